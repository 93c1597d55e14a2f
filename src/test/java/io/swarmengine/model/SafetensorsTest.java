package io.swarmengine.model;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class SafetensorsTest {
  @TempDir Path dir;

  /** A file from a header text and raw data bytes. */
  private static ByteBuffer raw(String header, byte[] data) {
    byte[] h = header.getBytes(StandardCharsets.UTF_8);
    ByteBuffer b = ByteBuffer.allocate(8 + h.length + data.length).order(ByteOrder.LITTLE_ENDIAN);
    b.putLong(h.length).put(h).put(data);
    return b.flip();
  }

  private static ModelFormatException refused(ByteBuffer file) {
    return assertThrows(ModelFormatException.class, () -> Safetensors.parse(file, "t.safetensors"));
  }

  @Test
  void writesAndReadsBackBitExact() throws Exception {
    float[] a = {1.5f, -2.25f, Float.MIN_VALUE, 3e-38f, 0f, -0f};
    float[] b = {7f};
    Path file = dir.resolve("m.safetensors");
    Safetensors.write(
        file,
        Map.of("x.weight", new Safetensors.Tensor("F32", new int[] {2, 3}, a), "y", new Safetensors.Tensor("F32", new int[] {1}, b)),
        Map.of("format", "pt"));
    Safetensors.Contents c = Safetensors.read(file);
    assertArrayEquals(a, c.tensors().get("x.weight").data());
    assertArrayEquals(new int[] {2, 3}, c.tensors().get("x.weight").shape());
    assertArrayEquals(b, c.tensors().get("y").data());
    assertEquals(Map.of("format", "pt"), c.metadata());
    long headerLength = ByteBuffer.wrap(Files.readAllBytes(file)).order(ByteOrder.LITTLE_ENDIAN).getLong();
    assertEquals(0, headerLength % 8, "header padded to 8 bytes");
  }

  @Test
  void readsHalfAndBfloat16() throws Exception {
    ByteBuffer data = ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN);
    data.putShort((short) 0x3C00).putShort((short) 0xC000); // F16 1.0, -2.0
    data.putShort((short) 0x3FC0).putShort((short) 0x0001); // BF16 1.5, and an F16 subnormal below
    String header =
        "{\"h\":{\"dtype\":\"F16\",\"shape\":[2],\"data_offsets\":[0,4]},"
            + "\"b\":{\"dtype\":\"BF16\",\"shape\":[1],\"data_offsets\":[4,6]},"
            + "\"s\":{\"dtype\":\"F16\",\"shape\":[1],\"data_offsets\":[6,8]}}";
    Safetensors.Contents c = Safetensors.parse(raw(header, data.array()), "t");
    assertArrayEquals(new float[] {1f, -2f}, c.tensors().get("h").data());
    assertArrayEquals(new float[] {1.5f}, c.tensors().get("b").data());
    assertArrayEquals(new float[] {0x1p-24f}, c.tensors().get("s").data());
    assertEquals(65504f, Safetensors.halfToFloat((short) 0x7BFF));
    assertTrue(Float.isNaN(Safetensors.halfToFloat((short) 0x7E00)));
  }

  @Test
  void corruptFilesAreRefusedWithTheProblemNamed() {
    byte[] eight = new byte[8];
    String ok = "{\"w\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,8]}}";
    assertTrue(refused(ByteBuffer.wrap(new byte[5])).getMessage().contains("too short"));
    // a header length far past the file, and a huge one: nothing is allocated from them
    ByteBuffer huge = ByteBuffer.allocate(16).order(ByteOrder.LITTLE_ENDIAN).putLong(Long.MAX_VALUE).putLong(0).flip();
    assertTrue(refused(huge).getMessage().contains("outside [2, 104857600]"), refused(huge).getMessage());
    ByteBuffer past = ByteBuffer.allocate(16).order(ByteOrder.LITTLE_ENDIAN).putLong(1000).putLong(0).flip();
    assertTrue(refused(past).getMessage().contains("runs past the end"));
    // truncated data
    ByteBuffer truncated = raw(ok, new byte[4]);
    assertTrue(refused(truncated).getMessage().contains("past its end"), refused(truncated).getMessage());
    assertTrue(refused(raw("{not json", eight)).getMessage().contains("not JSON"));
    assertTrue(refused(raw("[1,2]", eight)).getMessage().contains("not a JSON object"));
    String wrongShape = "{\"w\":{\"dtype\":\"F32\",\"shape\":[3],\"data_offsets\":[0,8]}}";
    assertTrue(refused(raw(wrongShape, eight)).getMessage().contains("tensor 'w' has shape [3] of F32 (12 bytes) but its data_offsets span 8 bytes"));
    String wrongOffsets = "{\"w\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[8,0]}}";
    assertTrue(refused(raw(wrongOffsets, eight)).getMessage().contains("bad data_offsets"));
    String overlap =
        "{\"a\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,8]},\"b\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[4,8]}}";
    assertTrue(refused(raw(overlap, eight)).getMessage().contains("overlaps"));
    String hole = "{\"a\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[4,8]}}";
    assertTrue(refused(raw(hole, eight)).getMessage().contains("belong to no tensor"));
    String tail = "{\"a\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[0,4]}}";
    assertTrue(refused(raw(tail, eight)).getMessage().contains("last 4 bytes"));
    String dtype = "{\"a\":{\"dtype\":\"I64\",\"shape\":[1],\"data_offsets\":[0,8]}}";
    assertTrue(refused(raw(dtype, eight)).getMessage().contains("dtype I64"));
    String negative = "{\"a\":{\"dtype\":\"F32\",\"shape\":[-2],\"data_offsets\":[0,8]}}";
    assertTrue(refused(raw(negative, eight)).getMessage().contains("bad dimension"));
    String missing = "{\"a\":{\"dtype\":\"F32\",\"shape\":[2]}}";
    assertTrue(refused(raw(missing, eight)).getMessage().contains("needs dtype, shape and two data_offsets"));
    String meta = "{\"__metadata__\":{\"k\":1}," + ok.substring(1);
    assertTrue(refused(raw(meta, eight)).getMessage().contains("__metadata__ value 'k'"));
  }
}
