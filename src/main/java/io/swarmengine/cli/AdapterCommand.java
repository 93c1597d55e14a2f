package io.swarmengine.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import akka.actor.typed.javadsl.AskPattern;
import io.swarmengine.adapter.AdapterHub;
import io.swarmengine.engine.LiveRequests;
import io.swarmengine.engine.RunInspection;
import io.swarmengine.model.ModelFormatException;
import io.swarmengine.model.Safetensors;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Clock;
import java.time.Duration;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/** {@code swarm adapter}: look into PEFT adapter folders. */
@Command(
    name = "adapter",
    mixinStandardHelpOptions = true,
    description = "Inspect LoRA adapters (PEFT folders); roll a run back to one.",
    subcommands = {AdapterCommand.Inspect.class, AdapterCommand.ListVersions.class, AdapterCommand.Rollback.class})
final class AdapterCommand extends ParentCommand {
  /** How long a live run has to take a request and answer it. */
  static final Duration LIVE_ANSWER = Duration.ofSeconds(30);

  @Command(
      name = "inspect",
      mixinStandardHelpOptions = true,
      description = "Print an adapter's config, tensors and files' sha256 as JSON.")
  static final class Inspect implements Runnable {
    @Spec CommandSpec spec;

    @Parameters(paramLabel = "DIR", description = "a PEFT adapter folder (adapter_config.json, adapter_model.safetensors)") Path dir;

    @Override
    public void run() {
      Path config = dir.resolve("adapter_config.json");
      Path weights = dir.resolve("adapter_model.safetensors");
      if (!Files.isRegularFile(config) || !Files.isRegularFile(weights)) {
        throw new CliError(dir + " is not an adapter folder: it needs adapter_config.json and adapter_model.safetensors");
      }
      ObjectMapper json = JsonLines.MAPPER.copy().enable(SerializationFeature.INDENT_OUTPUT);
      ObjectNode out = json.createObjectNode();
      try {
        JsonNode parsed = json.readTree(Files.readString(config));
        if (parsed == null || !parsed.isObject()) {
          throw new CliError(config + " is not a JSON object");
        }
        out.put("path", dir.toString());
        out.set("config", parsed);
        Safetensors.Contents contents = Safetensors.read(weights);
        ObjectNode tensors = out.putObject("tensors");
        long parameters = 0;
        for (Map.Entry<String, Safetensors.Tensor> e : contents.tensors().entrySet()) {
          ObjectNode t = tensors.putObject(e.getKey());
          t.put("dtype", e.getValue().dtype());
          ArrayNode shape = t.putArray("shape");
          for (int d : e.getValue().shape()) {
            shape.add(d);
          }
          parameters += e.getValue().elements();
        }
        out.put("parameters", parameters);
        ObjectNode sha = out.putObject("sha256");
        sha.put("adapter_config.json", sha256(config));
        sha.put("adapter_model.safetensors", sha256(weights));
        spec.commandLine().getOut().println(json.writeValueAsString(out));
        spec.commandLine().getOut().flush();
      } catch (ModelFormatException e) {
        throw new CliError(e.getMessage());
      } catch (IOException e) {
        throw new CliError("cannot read " + dir + ": " + e.getMessage());
      }
    }

    private static String sha256(Path file) throws IOException {
      try {
        return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(Files.readAllBytes(file)));
      } catch (NoSuchAlgorithmException e) {
        throw new IllegalStateException(e);
      }
    }
  }

  @Command(
      name = "list",
      mixinStandardHelpOptions = true,
      description = {
        "Print a run's adapter versions as JSON lines, oldest first.",
        "Each version the hub keeps: its number, parent, whether it is good, sha256, size, when it"
            + " was published and its training step's metrics (loss, mean reward, the position it"
            + " trained for, ...). Works on a live run (its engine answers) and a stopped one."
      })
  static final class ListVersions implements Runnable {
    @Spec CommandSpec spec;

    @Option(names = "--data", required = true, paramLabel = "DIR", description = "the run's data folder")
    Path data;

    @Option(names = "--last", paramLabel = "N", description = "only the newest N versions")
    Integer last;

    @Override
    public void run() {
      if (last != null && last < 1) {
        throw new CliError("--last must be >= 1, got " + last);
      }
      AdapterHub.Versions versions = RunInspection.isLive(data) ? live() : stopped();
      List<AdapterHub.Version> all = versions.all();
      int from = last == null ? 0 : Math.max(0, all.size() - last);
      for (AdapterHub.Version v : all.subList(from, all.size())) {
        ObjectNode line = JsonLines.object();
        line.put("version", v.number());
        line.put("parent", v.parent());
        line.put("good", v.good());
        line.put("sha256", v.sha256());
        line.put("size_bytes", v.sizeBytes());
        line.put("published_at", java.time.Instant.ofEpochMilli(v.createdAtMillis()).toString());
        ObjectNode metrics = line.putObject("metrics");
        new java.util.TreeMap<>(v.metrics()).forEach(metrics::put);
        JsonLines.print(spec.commandLine().getOut(), line);
      }
      spec.commandLine().getOut().flush();
    }

    private AdapterHub.Versions live() {
      return askLive(() -> LiveRequests.versions(data, LIVE_ANSWER, Clock.systemUTC()));
    }

    private AdapterHub.Versions stopped() {
      return StoppedRun.with(data, "swarm-adapter-list", "the adapter hub", (system, config) -> {
        var hub = RunInspection.recoverHub(system, config);
        return AskPattern.<AdapterHub.Command, AdapterHub.Versions>ask(
                hub, AdapterHub.GetVersions::new, Duration.ofMinutes(1), system.scheduler())
            .toCompletableFuture()
            .get(1, TimeUnit.MINUTES);
      });
    }
  }

  /** A request to the live engine on a data folder (see {@link LiveRequests}). */
  @FunctionalInterface
  private interface LiveCall<T> {
    T ask() throws TimeoutException, InterruptedException;
  }

  /** The live engine's answer, its failures (no answer in time, the run stopped) as one-line user errors. */
  private static <T> T askLive(LiveCall<T> call) {
    try {
      return call.ask();
    } catch (TimeoutException | IllegalStateException e) {
      throw new CliError(e.getMessage());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new CliError("interrupted");
    }
  }

  @Command(
      name = "rollback",
      mixinStandardHelpOptions = true,
      description = {
        "Go back to adapter version V in the run in --data.",
        "Marks every version after V bad (0: back to the base model). On a live run the engine on the"
            + " folder does it within a second and every worker, and the trainer, go on from V; on a"
            + " stopped run it is recorded in the journal and the run resumes from V."
      })
  static final class Rollback implements Runnable {
    @Spec CommandSpec spec;

    @Option(names = "--data", required = true, paramLabel = "DIR", description = "the run's data folder")
    Path data;

    @Option(names = "--to", required = true, paramLabel = "V", description = "the version to go back to (0: the base model)")
    long to;

    @Override
    public void run() {
      AdapterHub.RollbackReply reply = RunInspection.isLive(data) ? live() : stopped();
      if (reply instanceof AdapterHub.RollbackRefused refused) {
        throw new CliError(refused.reason());
      }
      var rolled = (AdapterHub.RolledBack) reply;
      ObjectNode out = JsonLines.object();
      out.put("rolled_back_to", rolled.to());
      ArrayNode bad = out.putArray("marked_bad");
      rolled.markedBad().forEach(bad::add);
      JsonLines.print(spec.commandLine().getOut(), out);
      spec.commandLine().getOut().flush();
    }

    private AdapterHub.RollbackReply live() {
      return askLive(() -> LiveRequests.rollback(data, to, LIVE_ANSWER, Clock.systemUTC()));
    }

    private AdapterHub.RollbackReply stopped() {
      return StoppedRun.with(data, "swarm-adapter-rollback", "the adapter hub", (system, config) -> {
        var hub = RunInspection.recoverHub(system, config);
        return AskPattern.<AdapterHub.Command, AdapterHub.RollbackReply>ask(
                hub, r -> new AdapterHub.Rollback(to, r), Duration.ofMinutes(1), system.scheduler())
            .toCompletableFuture()
            .get(1, TimeUnit.MINUTES);
      });
    }
  }
}
