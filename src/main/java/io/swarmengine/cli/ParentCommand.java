package io.swarmengine.cli;

import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

/** A command that only groups subcommands: run without one, it says which there are. */
abstract class ParentCommand implements Runnable {
  @Spec CommandSpec commandSpec;

  @Override
  public void run() {
    throw new ParameterException(
        commandSpec.commandLine(),
        "missing a subcommand: " + String.join(", ", commandSpec.subcommands().keySet()));
  }
}
