package io.swarmengine.testing;

import java.io.IOException;
import java.util.concurrent.TimeUnit;

/**
 * Debian's PyTorch (python3-torch, for /usr/bin/python3), which .ci/run installs for the tests that
 * compare the Java model and learner with a plain-torch reference. Without it those tests are
 * skipped, except under CI (CI=true), where its absence is a failure.
 */
public final class Torch {
  public static final String PYTHON = "/usr/bin/python3";

  private Torch() {}

  public static boolean available() {
    boolean ok;
    try {
      Process p = new ProcessBuilder(PYTHON, "-c", "import torch").redirectErrorStream(true).start();
      ok = p.waitFor(60, TimeUnit.SECONDS) && p.exitValue() == 0;
    } catch (IOException | InterruptedException e) {
      ok = false;
    }
    if (!ok && "true".equals(System.getenv("CI"))) {
      throw new AssertionError("CI must provide PyTorch (python3-torch) for " + PYTHON);
    }
    return ok;
  }
}
