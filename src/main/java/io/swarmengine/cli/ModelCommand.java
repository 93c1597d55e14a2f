package io.swarmengine.cli;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.swarmengine.model.ByteTokenizer;
import io.swarmengine.model.Generator;
import io.swarmengine.model.Gpt2;
import io.swarmengine.model.GptConfig;
import io.swarmengine.model.LoraAdapter;
import io.swarmengine.model.ModelFormatException;
import io.swarmengine.model.ops.Parallel;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.ForkJoinPool;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** {@code swarm model}: make and query GPT-2 model folders. */
@Command(
    name = "model",
    mixinStandardHelpOptions = true,
    description = {
      "Create and query GPT-2 model folders.",
      "A folder holds a Hugging Face config.json and model.safetensors."
    },
    subcommands = {ModelCommand.Init.class, ModelCommand.Logits.class, ModelCommand.Generate.class})
final class ModelCommand extends ParentCommand {

  static Parallel pool(int threads) {
    return threads <= 1 ? Parallel.sequential() : new Parallel(new ForkJoinPool(threads));
  }

  /** The model in {@code dir}, with the adapter in {@code adapterDir} applied unless that is null. */
  static Gpt2 load(Path dir, Path adapterDir, int threads) {
    try {
      Gpt2 model = Gpt2.load(dir, pool(threads));
      return adapterDir == null ? model : model.withAdapter(LoraAdapter.read(adapterDir, model.config));
    } catch (ModelFormatException e) {
      throw new CliError(e.getMessage());
    }
  }

  @Command(name = "init", mixinStandardHelpOptions = true, description = "Write a randomly initialised GPT-2 (GPT-2's scheme, seeded).")
  static final class Init implements Runnable {
    @Spec CommandSpec spec;

    @Option(names = "--layers", required = true, description = "transformer blocks") int layers;
    @Option(names = "--heads", required = true, description = "attention heads per block") int heads;
    @Option(names = "--embd", required = true, description = "embedding width (a multiple of --heads)") int embd;
    @Option(names = "--positions", required = true, description = "context length in tokens") int positions;
    @Option(names = "--vocab", defaultValue = "259", description = "default: the byte tokenizer's 259") int vocab;
    @Option(names = "--seed", required = true, description = "the initialisation's seed") long seed;
    @Option(names = "--untied", description = "a separate output head instead of the token embedding") boolean untied;
    @Option(names = "--out", required = true, paramLabel = "DIR", description = "the folder to write (config.json, model.safetensors)") Path out;

    @Override
    public void run() {
      GptConfig config;
      try {
        config = new GptConfig(layers, heads, embd, positions, vocab, 1e-5f, !untied);
      } catch (IllegalArgumentException e) {
        throw new CliError(e.getMessage());
      }
      Gpt2 gpt = Gpt2.random(config, seed, Parallel.sequential());
      try {
        gpt.save(out);
      } catch (IOException e) {
        throw new CliError("cannot write " + out + ": " + e.getMessage());
      }
      ObjectNode line = JsonLines.object();
      line.put("model", out.toString());
      long count = 0;
      for (float[] p : gpt.parameters().values()) {
        count += p.length;
      }
      line.put("parameters", count);
      JsonLines.print(spec.commandLine().getOut(), line);
      spec.commandLine().getOut().flush();
    }
  }

  @Command(name = "logits", mixinStandardHelpOptions = true, description = "Print {\"logits\": [[...], ...]}, one row per input position.")
  static final class Logits implements Runnable {
    @Spec CommandSpec spec;

    @Option(names = "--model", required = true, paramLabel = "DIR", description = "a model folder (config.json, model.safetensors)") Path model;
    @Option(names = "--adapter", paramLabel = "DIR", description = "a PEFT LoRA adapter folder to apply") Path adapter;
    @Option(names = "--tokens", required = true, split = ",", paramLabel = "T", description = "token ids, comma-separated") List<Integer> tokens;
    @Option(names = "--threads", defaultValue = "1", description = "compute threads (default: ${DEFAULT-VALUE})") int threads;

    @Override
    public void run() {
      Gpt2 gpt = load(model, adapter, threads);
      int[] ids = tokens.stream().mapToInt(Integer::intValue).toArray();
      Gpt2.Pass pass;
      try {
        pass = gpt.forward(ids);
      } catch (IllegalArgumentException e) {
        throw new CliError(e.getMessage());
      }
      ObjectNode out = JsonLines.object();
      ArrayNode rows = out.putArray("logits");
      int v = gpt.config.vocab();
      for (int t = 0; t < ids.length; t++) {
        ArrayNode row = rows.addArray();
        for (int j = 0; j < v; j++) {
          row.add(pass.logits[t * v + j]);
        }
      }
      PrintWriter w = spec.commandLine().getOut();
      JsonLines.print(w, out);
      w.flush();
    }
  }

  @Command(
      name = "generate",
      mixinStandardHelpOptions = true,
      description = {
        "Sample completions of a prompt, one JSON line each.",
        "The byte tokenizer; a completion stops at EOS or --max-tokens."
      })
  static final class Generate implements Runnable {
    @Spec CommandSpec spec;

    @Option(names = "--model", required = true, paramLabel = "DIR", description = "a model folder (config.json, model.safetensors)") Path model;
    @Option(names = "--adapter", paramLabel = "DIR", description = "a PEFT LoRA adapter folder to apply") Path adapter;
    @Option(names = "--prompt", required = true, description = "the text to complete") String prompt;
    @Option(names = "--samples", defaultValue = "1", description = "completions to sample (default: ${DEFAULT-VALUE})") int samples;
    @Option(names = "--seed", defaultValue = "0", description = "the sampling seed (default: ${DEFAULT-VALUE})") long seed;
    @Option(names = "--temperature", defaultValue = "1.0", description = "0: greedy (default: ${DEFAULT-VALUE})") float temperature;
    @Option(names = "--top-k", defaultValue = "0", description = "sample among the k likeliest tokens; 0: all (default: ${DEFAULT-VALUE})") int topK;
    @Option(names = "--top-p", defaultValue = "1.0", description = "nucleus sampling's mass (default: ${DEFAULT-VALUE})") float topP;
    @Option(names = "--max-tokens", defaultValue = "64", description = "most tokens per completion (default: ${DEFAULT-VALUE})") int maxTokens;
    @Option(names = "--threads", defaultValue = "1", description = "compute threads (default: ${DEFAULT-VALUE})") int threads;

    @Override
    public void run() {
      Gpt2 gpt = load(model, adapter, threads);
      ByteTokenizer tokenizer = new ByteTokenizer();
      if (gpt.config.vocab() < tokenizer.vocabSize()) {
        throw new CliError(
            model + " has a vocabulary of " + gpt.config.vocab() + ", smaller than the byte tokenizer's " + tokenizer.vocabSize());
      }
      List<Generator.Completion> completions;
      try {
        Generator.Sampling sampling =
            new Generator.Sampling(samples, temperature, topK, topP, maxTokens, new int[] {tokenizer.eos()}, seed);
        int[] ids = tokenizer.encode(prompt);
        int[] withBos = new int[ids.length + 1];
        withBos[0] = tokenizer.bos();
        System.arraycopy(ids, 0, withBos, 1, ids.length);
        completions = new Generator(gpt, pool(threads)).generate(withBos, sampling);
      } catch (IllegalArgumentException e) {
        throw new CliError(e.getMessage());
      }
      PrintWriter w = spec.commandLine().getOut();
      for (int i = 0; i < completions.size(); i++) {
        Generator.Completion c = completions.get(i);
        ObjectNode line = JsonLines.object();
        line.put("sample", i);
        line.put("text", tokenizer.decode(c.tokens()));
        ArrayNode tokens = line.putArray("tokens");
        for (int t : c.tokens()) {
          tokens.add(t);
        }
        ArrayNode logprobs = line.putArray("logprobs");
        for (float lp : c.logprobs()) {
          logprobs.add(lp);
        }
        line.put("finish_reason", c.finishReason());
        JsonLines.print(w, line);
      }
      w.flush();
    }
  }
}
