package io.swarmengine.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;
import picocli.CommandLine.Model.ArgSpec;
import picocli.CommandLine.Model.CommandSpec;

/** What a newcomer reads first: every command's help. */
class CliHelpTest {
  /** Room for a summary in its parent's command list on an 80-column terminal. */
  private static final int SUMMARY_WIDTH = 66;

  @Test
  void everyCommandHasAOneLineSummaryAndEveryOptionADescription() {
    List<String> problems = new ArrayList<>();
    check(SwarmCli.commandLine(), problems);
    assertEquals(List.of(), problems);
  }

  private static void check(CommandLine cli, List<String> problems) {
    CommandSpec spec = cli.getCommandSpec();
    String name = spec.qualifiedName();
    String[] description = spec.usageMessage().description();
    if (description.length == 0 || description[0].isBlank()) {
      problems.add(name + ": no description");
    } else if (description[0].length() > SUMMARY_WIDTH) {
      problems.add(name + ": its summary wraps in the command list (" + description[0].length() + " > "
          + SUMMARY_WIDTH + " characters): " + description[0]);
    }
    List<ArgSpec> args = new ArrayList<>(spec.options());
    args.addAll(spec.positionalParameters());
    for (ArgSpec arg : args) {
      if (arg.description().length == 0 || arg.description()[0].isBlank()) {
        problems.add(name + " " + arg.paramLabel() + (arg.isOption() ? " (" + ((CommandLine.Model.OptionSpec) arg).longestName() + ")" : "")
            + ": no description");
      }
    }
    cli.getSubcommands().values().stream()
        .filter(sub -> !(sub.getCommand() instanceof CommandLine.HelpCommand)) // picocli's own
        .forEach(sub -> check(sub, problems));
  }

  @Test
  void theDemosHelpShowsTheDefaultsItRunsWith() {
    PolicyCommandTest.Result help = PolicyCommandTest.swarm("demo", "--help");
    assertEquals(0, help.status());
    Config defaults = ConfigFactory.defaultReference();
    for (String key : List.of("swarm.positions", "swarm.workers.count", "swarm.seed")) {
      String shown = "(default: " + key + ", " + defaults.getValue(key).unwrapped() + ")";
      assertTrue(help.out().contains(shown), "no '" + shown + "' in:\n" + help.out());
    }
  }
}
