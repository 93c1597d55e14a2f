package io.swarmengine.cli;

import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.util.MinimalPrettyPrinter;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.ObjectWriter;
import com.fasterxml.jackson.databind.node.DecimalNode;
import com.fasterxml.jackson.databind.node.DoubleNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.io.PrintWriter;
import java.math.BigDecimal;

/** One JSON object per line, written as people read it: {@code {"key": value, "key": value}}. */
final class JsonLines {
  static final ObjectMapper MAPPER =
      new ObjectMapper().enable(JsonGenerator.Feature.WRITE_BIGDECIMAL_AS_PLAIN);

  private static final ObjectWriter WRITER = MAPPER.writer(new SpacedPrinter());

  private JsonLines() {}

  static ObjectNode object() {
    return MAPPER.createObjectNode();
  }

  static void print(PrintWriter out, JsonNode node) {
    try {
      out.println(WRITER.writeValueAsString(node));
    } catch (IOException e) {
      throw new IllegalStateException("cannot write JSON", e);
    }
  }

  /**
   * A float as its shortest decimal: {@code 3e-4} prints {@code 0.0003}, not {@code 3.0E-4} or the
   * double {@code 3.000000142492354E-4}; a whole number keeps its {@code .0}.
   */
  static JsonNode decimal(double value) {
    if (value == Math.rint(value) && Math.abs(value) < 1e15) {
      return DoubleNode.valueOf(value);
    }
    return DecimalNode.valueOf(new BigDecimal(Double.toString(value)).stripTrailingZeros());
  }

  static JsonNode decimal(float value) {
    return decimal(Double.parseDouble(Float.toString(value)));
  }

  private static final class SpacedPrinter extends MinimalPrettyPrinter {
    @Override
    public void writeObjectFieldValueSeparator(JsonGenerator g) throws IOException {
      g.writeRaw(": ");
    }

    @Override
    public void writeObjectEntrySeparator(JsonGenerator g) throws IOException {
      g.writeRaw(", ");
    }

    @Override
    public void writeArrayValueSeparator(JsonGenerator g) throws IOException {
      g.writeRaw(", ");
    }
  }
}
