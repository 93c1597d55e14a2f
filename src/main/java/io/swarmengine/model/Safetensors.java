package io.swarmengine.model;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * The safetensors format: 8 bytes of header length (unsigned little-endian), a UTF-8 JSON header
 * naming each tensor's dtype, shape and byte range in the data that follows, optional
 * {@code __metadata__}. Reads F32, F16 and BF16 into float arrays; writes F32.
 *
 * <p>The reader trusts nothing: the header length must fit the file and a cap, the header must be
 * a JSON object of well-formed entries, every shape must match its byte range, the ranges must lie
 * inside the data, cover it exactly once without overlapping, and every refusal names the tensor
 * and the problem. Nothing is allocated from a size that was not checked against the file.
 */
public final class Safetensors {
  /** Headers above this are refused (the reference implementation's cap). */
  public static final long MAX_HEADER = 100L * 1024 * 1024;

  private static final ObjectMapper JSON = new ObjectMapper();

  /** A tensor read as floats, with its shape and the dtype it was stored in. */
  public record Tensor(String dtype, int[] shape, float[] data) {
    /** A one-dimensional F32 tensor of {@code data} (state files: the shape is the parameter's own business). */
    public static Tensor flat(float[] data) {
      return new Tensor("F32", new int[] {data.length}, data);
    }

    public long elements() {
      long n = 1;
      for (int d : shape) {
        n *= d;
      }
      return n;
    }
  }

  /** The tensors of a file, in name order, and its metadata. */
  public record Contents(Map<String, Tensor> tensors, Map<String, String> metadata) {}

  private Safetensors() {}

  public static Contents read(Path file) throws ModelFormatException {
    long size;
    try {
      size = Files.size(file);
    } catch (IOException e) {
      throw new ModelFormatException("cannot read " + file + ": " + e.getMessage(), e);
    }
    if (size > Integer.MAX_VALUE - 8L) {
      throw new ModelFormatException(file + ": files over 2 GiB are not supported yet (" + size + " bytes)");
    }
    try (FileChannel channel = FileChannel.open(file, StandardOpenOption.READ)) {
      ByteBuffer all = channel.map(FileChannel.MapMode.READ_ONLY, 0, size).order(ByteOrder.LITTLE_ENDIAN);
      return parse(all, file.toString());
    } catch (IOException e) {
      throw new ModelFormatException("cannot read " + file + ": " + e.getMessage(), e);
    }
  }

  /** Parses a whole safetensors file held in {@code bytes}; {@code where} names it in errors. */
  public static Contents parse(ByteBuffer bytes, String where) throws ModelFormatException {
    ByteBuffer in = bytes.duplicate().order(ByteOrder.LITTLE_ENDIAN);
    long size = in.remaining();
    if (size < 8) {
      throw new ModelFormatException(where + ": " + size + " bytes, too short for a safetensors header length");
    }
    long headerLength = in.getLong(0);
    if (headerLength < 2 || headerLength > MAX_HEADER) {
      throw new ModelFormatException(
          where + ": header length " + Long.toUnsignedString(headerLength) + " is outside [2, " + MAX_HEADER + "]");
    }
    if (8 + headerLength > size) {
      throw new ModelFormatException(
          where + ": header length " + headerLength + " runs past the end of the " + size + "-byte file");
    }
    byte[] headerBytes = new byte[(int) headerLength];
    in.position(8);
    in.get(headerBytes);
    JsonNode header;
    try {
      header = JSON.readTree(new String(headerBytes, StandardCharsets.UTF_8).stripTrailing());
    } catch (JsonProcessingException e) {
      throw new ModelFormatException(where + ": the header is not JSON: " + e.getOriginalMessage());
    }
    if (header == null || !header.isObject()) {
      throw new ModelFormatException(where + ": the header is not a JSON object");
    }
    long dataStart = 8 + headerLength;
    long dataLength = size - dataStart;
    Map<String, String> metadata = new LinkedHashMap<>();
    List<long[]> ranges = new ArrayList<>();
    List<String> rangeNames = new ArrayList<>();
    Map<String, Tensor> tensors = new TreeMap<>();
    Map<String, JsonNode> entries = new LinkedHashMap<>();
    for (Iterator<Map.Entry<String, JsonNode>> it = header.fields(); it.hasNext(); ) {
      Map.Entry<String, JsonNode> e = it.next();
      if (e.getKey().equals("__metadata__")) {
        if (!e.getValue().isObject()) {
          throw new ModelFormatException(where + ": __metadata__ is not an object of strings");
        }
        for (Iterator<Map.Entry<String, JsonNode>> m = e.getValue().fields(); m.hasNext(); ) {
          Map.Entry<String, JsonNode> kv = m.next();
          if (!kv.getValue().isTextual()) {
            throw new ModelFormatException(where + ": __metadata__ value '" + kv.getKey() + "' is not a string");
          }
          metadata.put(kv.getKey(), kv.getValue().asText());
        }
      } else {
        entries.put(e.getKey(), e.getValue());
      }
    }
    for (Map.Entry<String, JsonNode> e : entries.entrySet()) {
      String name = e.getKey();
      JsonNode t = e.getValue();
      String at = where + ": tensor '" + name + "'";
      if (!t.isObject() || !t.path("dtype").isTextual() || !t.path("shape").isArray()
          || !t.path("data_offsets").isArray() || t.path("data_offsets").size() != 2) {
        throw new ModelFormatException(at + " needs dtype, shape and two data_offsets");
      }
      String dtype = t.get("dtype").asText();
      int width = switch (dtype) {
        case "F32" -> 4;
        case "F16", "BF16" -> 2;
        default -> throw new ModelFormatException(at + " has dtype " + dtype + "; only F32, F16 and BF16 are read");
      };
      int[] shape = new int[t.get("shape").size()];
      long elements = 1;
      for (int i = 0; i < shape.length; i++) {
        JsonNode d = t.get("shape").get(i);
        if (!d.canConvertToLong() || !d.isIntegralNumber() || d.asLong() < 0 || d.asLong() > Integer.MAX_VALUE) {
          throw new ModelFormatException(at + " has a bad dimension " + d + " in its shape");
        }
        shape[i] = (int) d.asLong();
        elements = Math.multiplyExact(elements, shape[i]);
      }
      JsonNode b = t.get("data_offsets").get(0);
      JsonNode en = t.get("data_offsets").get(1);
      if (!b.isIntegralNumber() || !en.isIntegralNumber() || b.asLong() < 0 || en.asLong() < b.asLong()) {
        throw new ModelFormatException(at + " has bad data_offsets " + t.get("data_offsets"));
      }
      long begin = b.asLong();
      long end = en.asLong();
      if (end > dataLength) {
        throw new ModelFormatException(
            at + " ends at byte " + end + " of the data, past its end (" + dataLength + " bytes)");
      }
      if (end - begin != elements * width) {
        throw new ModelFormatException(
            at + " has shape " + Arrays.toString(shape) + " of " + dtype + " (" + elements * width
                + " bytes) but its data_offsets span " + (end - begin) + " bytes");
      }
      ranges.add(new long[] {begin, end});
      rangeNames.add(name);
      float[] data = new float[(int) elements];
      ByteBuffer src = in.duplicate().order(ByteOrder.LITTLE_ENDIAN);
      src.position((int) (dataStart + begin));
      decode(src, dtype, data);
      tensors.put(name, new Tensor(dtype, shape, data));
    }
    checkCoverage(ranges, rangeNames, dataLength, where);
    return new Contents(tensors, metadata);
  }

  /** The ranges must cover the data exactly, with no hole and no overlap. */
  private static void checkCoverage(List<long[]> ranges, List<String> names, long dataLength, String where)
      throws ModelFormatException {
    Integer[] order = new Integer[ranges.size()];
    for (int i = 0; i < order.length; i++) {
      order[i] = i;
    }
    Arrays.sort(order, (x, y) -> Long.compare(ranges.get(x)[0], ranges.get(y)[0]));
    long expected = 0;
    for (int i : order) {
      long[] r = ranges.get(i);
      if (r[0] < expected) {
        throw new ModelFormatException(where + ": tensor '" + names.get(i) + "' overlaps the tensor before it");
      }
      if (r[0] > expected) {
        throw new ModelFormatException(
            where + ": bytes " + expected + ".." + r[0] + " of the data belong to no tensor (before '" + names.get(i) + "')");
      }
      expected = r[1];
    }
    if (expected != dataLength) {
      throw new ModelFormatException(
          where + ": the last " + (dataLength - expected) + " bytes of the data belong to no tensor");
    }
  }

  private static void decode(ByteBuffer src, String dtype, float[] out) {
    switch (dtype) {
      case "F32" -> src.asFloatBuffer().get(out);
      case "F16" -> {
        for (int i = 0; i < out.length; i++) {
          out[i] = halfToFloat(src.getShort());
        }
      }
      default -> { // BF16: the high half of an F32
        for (int i = 0; i < out.length; i++) {
          out[i] = Float.intBitsToFloat((src.getShort() & 0xFFFF) << 16);
        }
      }
    }
  }

  /** IEEE 754 binary16 to float (Java 17 has no {@code Float.float16ToFloat}). */
  static float halfToFloat(short half) {
    int h = half & 0xFFFF;
    int sign = (h & 0x8000) << 16;
    int exponent = (h >>> 10) & 0x1F;
    int mantissa = h & 0x3FF;
    if (exponent == 0x1F) { // infinity or NaN
      return Float.intBitsToFloat(sign | 0x7F800000 | (mantissa << 13));
    }
    if (exponent == 0) {
      if (mantissa == 0) {
        return Float.intBitsToFloat(sign);
      }
      float value = mantissa * 0x1p-24f; // subnormal: mantissa · 2^-24
      return sign == 0 ? value : -value;
    }
    return Float.intBitsToFloat(sign | ((exponent + 112) << 23) | (mantissa << 13));
  }

  /** CRC-32 of the tensors' values in name order, as hex: metadata that tells a torn or zeroed file. */
  public static String crc32(Map<String, Tensor> tensors) {
    java.util.zip.CRC32 crc = new java.util.zip.CRC32();
    for (Tensor t : new java.util.TreeMap<>(tensors).values()) {
      java.nio.ByteBuffer bytes = java.nio.ByteBuffer.allocate(t.data().length * Float.BYTES);
      bytes.asFloatBuffer().put(t.data());
      crc.update(bytes);
    }
    return Long.toHexString(crc.getValue());
  }

  /** Writes F32 tensors (in name order) and metadata; the header is padded to 8 bytes. */
  public static void write(Path file, Map<String, Tensor> tensors, Map<String, String> metadata)
      throws IOException {
    write(file, encode(tensors, metadata));
  }

  /** Writes the bytes of a safetensors file ({@link #encode}) whole or not at all: beside it first, then moved. */
  public static void write(Path file, byte[] encoded) throws IOException {
    Path tmp = file.resolveSibling(file.getFileName() + ".tmp");
    Files.write(tmp, encoded);
    Files.move(tmp, file, java.nio.file.StandardCopyOption.REPLACE_EXISTING, java.nio.file.StandardCopyOption.ATOMIC_MOVE);
  }

  /**
   * Writes the bytes of a safetensors file over the file's own bytes, in place: no new file per
   * write (a new file and a rename cost the kernel about ten times as much for a file rewritten
   * every training step), but a kill mid-write can leave it torn, so the caller must be able to
   * tell (a checksum in the metadata).
   */
  public static void overwrite(Path file, byte[] encoded) throws IOException {
    try (java.nio.channels.FileChannel channel = java.nio.channels.FileChannel.open(file,
        java.nio.file.StandardOpenOption.CREATE, java.nio.file.StandardOpenOption.WRITE)) {
      java.nio.ByteBuffer bytes = java.nio.ByteBuffer.wrap(encoded);
      while (bytes.hasRemaining()) {
        channel.write(bytes, bytes.position());
      }
      channel.truncate(encoded.length);
    }
  }

  /** The bytes of a file of F32 tensors (in name order) and metadata, as {@link #write} writes them. */
  public static byte[] encode(Map<String, Tensor> tensors, Map<String, String> metadata) {
    ObjectNode header = JSON.createObjectNode();
    if (!metadata.isEmpty()) {
      ObjectNode meta = header.putObject("__metadata__");
      new TreeMap<>(metadata).forEach(meta::put);
    }
    long offset = 0;
    Map<String, Tensor> sorted = new TreeMap<>(tensors);
    for (Map.Entry<String, Tensor> e : sorted.entrySet()) {
      Tensor t = e.getValue();
      if (t.elements() != t.data().length) {
        throw new IllegalArgumentException(
            "tensor '" + e.getKey() + "' has shape " + Arrays.toString(t.shape()) + " but " + t.data().length + " values");
      }
      ObjectNode entry = header.putObject(e.getKey());
      entry.put("dtype", "F32");
      var shape = entry.putArray("shape");
      for (int d : t.shape()) {
        shape.add(d);
      }
      var offsets = entry.putArray("data_offsets");
      offsets.add(offset);
      offset += 4L * t.data().length;
      offsets.add(offset);
    }
    byte[] json;
    try {
      json = JSON.writeValueAsBytes(header);
    } catch (JsonProcessingException e) {
      throw new IllegalStateException("a safetensors header could not be written: " + e.getMessage(), e);
    }
    int padded = (json.length + 7) / 8 * 8;
    ByteBuffer out = ByteBuffer.allocate((int) (8 + padded + offset)).order(ByteOrder.LITTLE_ENDIAN);
    out.putLong(padded);
    out.put(json);
    for (int i = json.length; i < padded; i++) {
      out.put((byte) ' ');
    }
    for (Tensor t : sorted.values()) {
      out.asFloatBuffer().put(t.data());
      out.position(out.position() + 4 * t.data().length);
    }
    return out.array();
  }
}
