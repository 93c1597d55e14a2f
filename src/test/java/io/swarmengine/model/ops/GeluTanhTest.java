package io.swarmengine.model.ops;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

/** The GELU's own tanh against {@code Math.tanh}. */
class GeluTanhTest {
  @Test
  void isWithin4e7OfMathTanhAcrossTheFloats() {
    double worst = 0;
    float worstAt = 0;
    int checked = 0;
    // every 61st float of [1e-8, 12] and its negation: all binades, each densely
    for (int bits = Float.floatToIntBits(1e-8f); bits <= Float.floatToIntBits(12f); bits += 61) {
      float x = Float.intBitsToFloat(bits);
      for (float v : new float[] {x, -x}) {
        double err = Math.abs(Gelu.tanh(v) - Math.tanh(v));
        if (err > worst) {
          worst = err;
          worstAt = v;
        }
        checked++;
      }
    }
    assertTrue(checked > 1_000_000, "checked " + checked);
    assertTrue(worst <= 4e-7, "worst error " + worst + " at " + worstAt);
  }

  @Test
  void keepsZeroSaturatesAndPassesNaN() {
    assertEquals(0f, Gelu.tanh(0f));
    assertEquals(Float.floatToIntBits(-0f), Float.floatToIntBits(Gelu.tanh(-0f)));
    assertEquals(1f, Gelu.tanh(30f));
    assertEquals(-1f, Gelu.tanh(-30f));
    assertEquals(1f, Gelu.tanh(Float.POSITIVE_INFINITY));
    assertEquals(-1f, Gelu.tanh(Float.NEGATIVE_INFINITY));
    assertTrue(Float.isNaN(Gelu.tanh(Float.NaN)));
    // small arguments keep their relative accuracy: tanh(x) = x(1 - x²/3 + ...)
    assertEquals(1e-5f, Gelu.tanh(1e-5f), 1e-5f * 3e-7f);
  }
}
