package io.swarmengine.model;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;

/**
 * A byte-level tokenizer: the 256 byte values of the UTF-8 text are tokens 0..255, then BOS (256),
 * EOS (257) and PAD (258). Any text round-trips; no vocabulary file is needed.
 */
public final class ByteTokenizer implements Tokenizer {
  public static final int BOS = 256;
  public static final int EOS = 257;
  public static final int PAD = 258;
  public static final int VOCAB = 259;

  @Override
  public int vocabSize() {
    return VOCAB;
  }

  @Override
  public int[] encode(String text) {
    byte[] bytes = text.getBytes(StandardCharsets.UTF_8);
    int[] out = new int[bytes.length];
    for (int i = 0; i < bytes.length; i++) {
      out[i] = bytes[i] & 0xFF;
    }
    return out;
  }

  @Override
  public String decode(int[] tokens) {
    ByteArrayOutputStream out = new ByteArrayOutputStream(tokens.length);
    for (int t : tokens) {
      if (t >= 0 && t < 256) {
        out.write(t);
      }
    }
    return out.toString(StandardCharsets.UTF_8);
  }

  @Override
  public int bos() {
    return BOS;
  }

  @Override
  public int eos() {
    return EOS;
  }

  @Override
  public int pad() {
    return PAD;
  }
}
