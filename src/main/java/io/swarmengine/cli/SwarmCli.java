package io.swarmengine.cli;

import picocli.CommandLine;
import picocli.CommandLine.Command;

/** The {@code swarm} command line. */
@Command(
    name = "swarm",
    mixinStandardHelpOptions = true,
    versionProvider = SwarmCli.Version.class,
    description = "An actor-based engine for live self-improving agent swarms.",
    subcommands = {
      DemoCommand.class,
      RunCommand.class,
      StatusCommand.class,
      PolicyCommand.class,
      ReplayCommand.class,
      ModelCommand.class,
      AdapterCommand.class,
      CommandLine.HelpCommand.class
    })
public final class SwarmCli extends ParentCommand {


  /** Exit status of a user error (bad spec, bad option, bad file). */
  static final int USER_ERROR = 2;

  public static void main(String[] args) {
    System.exit(commandLine().execute(args));
  }

  /** The configured command line, also used by tests. */
  static CommandLine commandLine() {
    CommandLine cli = new CommandLine(new SwarmCli());
    cli.setExecutionExceptionHandler(
        (e, commandLine, parseResult) -> {
          if (e instanceof CliError) {
            commandLine.getErr().println("error: " + e.getMessage());
            return USER_ERROR;
          }
          throw e;
        });
    cli.setParameterExceptionHandler(
        (e, args) -> {
          CommandLine c = e.getCommandLine();
          c.getErr()
              .println(
                  "error: " + e.getMessage() + " (see '" + c.getCommandSpec().qualifiedName() + " --help')");
          return USER_ERROR;
        });
    return cli;
  }

  static final class Version implements CommandLine.IVersionProvider {
    @Override
    public String[] getVersion() {
      String v = SwarmCli.class.getPackage().getImplementationVersion();
      return new String[] {"swarm " + (v == null ? "(development build)" : v)};
    }
  }
}
