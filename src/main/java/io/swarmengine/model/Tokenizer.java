package io.swarmengine.model;

/** Text to token ids and back; token ids are what the engine passes around. */
public interface Tokenizer {
  int vocabSize();

  int[] encode(String text);

  /** The text of {@code tokens}; special tokens are left out. */
  String decode(int[] tokens);

  int bos();

  int eos();

  int pad();
}
