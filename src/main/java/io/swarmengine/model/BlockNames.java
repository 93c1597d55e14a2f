package io.swarmengine.model;

/**
 * The names of one transformer block's tensors, as Hugging Face's GPT-2 and PEFT spell them, made
 * once per model: forward, backward and decoding look their tensors up by these instead of
 * building the strings on every call, which took about 5% of the demo's CPU.
 */
final class BlockNames {
  final String ln1Weight;
  final String ln1Bias;
  final String ln2Weight;
  final String ln2Bias;
  /** Per module of {@link LoraAdapter#MODULES}: the linear layer's weight and bias, and LoRA's A and B. */
  final String[] weight;
  final String[] bias;
  final String[] loraA;
  final String[] loraB;

  private BlockNames(int layer) {
    ln1Weight = Gpt2.block(layer, "ln_1.weight");
    ln1Bias = Gpt2.block(layer, "ln_1.bias");
    ln2Weight = Gpt2.block(layer, "ln_2.weight");
    ln2Bias = Gpt2.block(layer, "ln_2.bias");
    int modules = LoraAdapter.MODULES.size();
    weight = new String[modules];
    bias = new String[modules];
    loraA = new String[modules];
    loraB = new String[modules];
    for (int m = 0; m < modules; m++) {
      String module = LoraAdapter.MODULES.get(m);
      weight[m] = Gpt2.block(layer, module + ".weight");
      bias[m] = Gpt2.block(layer, module + ".bias");
      loraA[m] = LoraAdapter.tensorName(layer, module, "A");
      loraB[m] = LoraAdapter.tensorName(layer, module, "B");
    }
  }

  static BlockNames[] of(int layers) {
    BlockNames[] names = new BlockNames[layers];
    for (int l = 0; l < layers; l++) {
      names[l] = new BlockNames(l);
    }
    return names;
  }
}
