package io.swarmengine.model;

/** A model or adapter folder, or a file in it, that cannot be read: the message says what and where. */
public final class ModelFormatException extends Exception {
  public ModelFormatException(String message) {
    super(message);
  }

  public ModelFormatException(String message, Throwable cause) {
    super(message, cause);
  }
}
