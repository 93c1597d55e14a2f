package io.swarmengine.cli;

/** A user error: the CLI prints {@code error: <message>} on one line of stderr and exits 2. */
final class CliError extends RuntimeException {
  CliError(String message) {
    super(message);
  }
}
