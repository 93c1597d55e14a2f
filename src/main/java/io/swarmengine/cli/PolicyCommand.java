package io.swarmengine.cli;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.swarmengine.policy.CompiledPolicy;
import io.swarmengine.policy.PolicyAction;
import io.swarmengine.policy.PolicyException;
import io.swarmengine.policy.PolicySpec;
import io.swarmengine.policy.TrainScope;
import io.swarmengine.scheduler.BudgetScheduler;
import io.swarmengine.scheduler.LrSchedule;
import io.swarmengine.scheduler.ScheduleMode;
import java.io.PrintWriter;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Pattern;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/** {@code swarm policy}: inspect a schedule and the learning-rate schedules. */
@Command(
    name = "policy",
    mixinStandardHelpOptions = true,
    description = "Inspect per-position policy schedules and learning-rate schedules.",
    subcommands = {PolicyCommand.Explain.class, PolicyCommand.Lr.class})
final class PolicyCommand extends ParentCommand {


  @Command(
      name = "explain",
      mixinStandardHelpOptions = true,
      description = {
        "Parse and compile a policy spec and print what it does.",
        "JSON lines: its canonical form, the action at each --at position, and the runs of equal"
            + " actions over --range."
      })
  static final class Explain implements Runnable {
    @Spec CommandSpec spec;

    @Parameters(
        paramLabel = "SPEC",
        description = "e.g. 'schedule=0..200:infer|200..100%:train(scope=attn+ffn,opt=adam,lr=3e-4)'")
    String policy;

    @Option(names = "--total", paramLabel = "N", description = "the run's total positions (needed for % boundaries)")
    Long total;

    @Option(names = "--at", split = ",", paramLabel = "P", description = "positions to explain")
    List<Long> at = new ArrayList<>();

    @Option(names = "--range", paramLabel = "A..B", description = "print the runs of equal actions over [A, B)")
    String range;

    @Override
    public void run() {
      if (total != null && total < 0) {
        throw new CliError("--total must be >= 0, got " + total);
      }
      for (long p : at) {
        if (p < 0) {
          throw new CliError("--at positions must be >= 0, got " + p);
        }
      }
      long[] fromTo = range == null ? null : parseRange(range);
      PolicySpec parsed;
      CompiledPolicy compiled;
      try {
        parsed = PolicySpec.parse(policy, TrainScope.GPT2_SCOPES);
        compiled = parsed.compile(total);
      } catch (PolicyException e) {
        throw new CliError(e.getMessage());
      }
      // everything is valid: only now does anything reach stdout
      PrintWriter out = spec.commandLine().getOut();
      ObjectNode canonical = JsonLines.object();
      canonical.put("canonical", parsed.canonical());
      JsonLines.print(out, canonical);
      for (long p : at) {
        ObjectNode line = JsonLines.object();
        line.put("position", p);
        putAction(line, compiled.actionAt(p));
        JsonLines.print(out, line);
      }
      if (fromTo != null) {
        for (CompiledPolicy.Run run : compiled.runs(fromTo[0], fromTo[1])) {
          ObjectNode line = JsonLines.object();
          line.put("from", run.from());
          line.put("to", run.to());
          putAction(line, run.action());
          JsonLines.print(out, line);
        }
      }
      out.flush();
    }

    private static long[] parseRange(String text) {
      String[] parts = text.split("\\.\\.", -1);
      try {
        if (parts.length == 2) {
          long a = Long.parseLong(parts[0].trim());
          long b = Long.parseLong(parts[1].trim());
          if (a >= 0 && b >= a) {
            return new long[] {a, b};
          }
        }
      } catch (NumberFormatException e) {
        // reported below
      }
      throw new CliError("--range must be A..B with 0 <= A <= B, got '" + text + "'");
    }
  }

  static void putAction(ObjectNode line, PolicyAction action) {
    if (action instanceof PolicyAction.Train t) {
      line.put("action", "train");
      line.put("scope", t.scope().canonical());
      line.put("optimizer", t.optimizer().specName());
      line.set("lr", JsonLines.decimal(t.lr()));
      line.put("stride", t.stride());
      line.put("bptt", t.bptt());
      line.set("clip", JsonLines.decimal(t.clip()));
      line.set("momentum", JsonLines.decimal(t.momentum()));
    } else {
      line.put("action", "infer");
    }
  }

  @Command(
      name = "lr",
      mixinStandardHelpOptions = true,
      description = {
        "Print a schedule's value at each step 1..S as JSON lines.",
        "Whole-number --max and --min give an integer budget (seed 002's schedulers, rounded half"
            + " to even); otherwise the floating-point learning-rate form."
      })
  static final class Lr implements Runnable {
    private static final Pattern WHOLE = Pattern.compile("[0-9]+");

    @Spec CommandSpec spec;

    @Option(names = "--mode", required = true, description = "constant, linear, cosine or autonomous")
    String mode;

    @Option(names = "--max", required = true, paramLabel = "M", description = "the value at step 1")
    String max;

    @Option(names = "--min", defaultValue = "0", paramLabel = "m", description = "the floor the schedule decays to (default: ${DEFAULT-VALUE})")
    String min;

    @Option(names = "--steps", required = true, paramLabel = "S", description = "the schedule's length in steps")
    int steps;

    @Override
    public void run() {
      ScheduleMode scheduleMode;
      try {
        scheduleMode = ScheduleMode.parse(mode);
      } catch (IllegalArgumentException e) {
        throw new CliError(e.getMessage());
      }
      if (steps < 0) {
        throw new CliError("--steps must be >= 0, got " + steps);
      }
      PrintWriter out = spec.commandLine().getOut();
      if (WHOLE.matcher(max).matches() && WHOLE.matcher(min).matches()) {
        BudgetScheduler budget =
            new BudgetScheduler(scheduleMode, parseInt("--max", max), parseInt("--min", min), steps);
        for (int s = 1; s <= steps; s++) {
          ObjectNode line = JsonLines.object();
          line.put("step", s);
          line.put("value", budget.step());
          JsonLines.print(out, line);
        }
      } else {
        LrSchedule lr;
        try {
          lr = new LrSchedule(scheduleMode, parseDouble("--max", max), parseDouble("--min", min), steps);
        } catch (IllegalArgumentException e) {
          throw new CliError(e.getMessage());
        }
        for (int s = 1; s <= steps; s++) {
          ObjectNode line = JsonLines.object();
          line.put("step", s);
          line.set("value", JsonLines.decimal(lr.step()));
          JsonLines.print(out, line);
        }
      }
      out.flush();
    }

    private static int parseInt(String option, String text) {
      try {
        return Integer.parseInt(text);
      } catch (NumberFormatException e) {
        throw new CliError(option + " is too large: " + text);
      }
    }

    private static double parseDouble(String option, String text) {
      try {
        return Double.parseDouble(text);
      } catch (NumberFormatException e) {
        throw new CliError(option + " must be a number, got '" + text + "'");
      }
    }
  }
}
