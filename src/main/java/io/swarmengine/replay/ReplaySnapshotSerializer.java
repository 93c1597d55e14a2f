package io.swarmengine.replay;

import akka.actor.ExtendedActorSystem;
import akka.serialization.SerializerWithStringManifest;
import java.io.NotSerializableException;
import java.nio.BufferUnderflowException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * The compact binary form of a {@link ReplaySnapshot}: fixed-width little-endian fields and bulk
 * token arrays, so a million items write and read in seconds (Jackson would spend that on field
 * names alone).
 *
 * <pre>
 * "SWRP" u32:version  i32:capacity  totals  i32:nFree i32[nFree]  i32:nItems
 * item  = i32:slot i64:seq f64:priority i32:timesSampled group
 * group = str:id i64:position str:worker i64:version i64:createdAt
 *         i32:nMeta (str str)*  i32:nEpisodes (i32:nTurns turn*)*
 * turn  = i32:nObs i32[nObs] i32:nAct i32[nAct] f32[nAct] f32:reward
 * str   = i32:byteLength utf8
 * </pre>
 */
public final class ReplaySnapshotSerializer extends SerializerWithStringManifest {
  static final String MANIFEST = "replay-snapshot-v1";
  private static final int MAGIC = 0x50525753; // "SWRP" little-endian
  private static final int VERSION = 1;

  public ReplaySnapshotSerializer(ExtendedActorSystem system) {}

  @Override
  public int identifier() {
    return 730_001;
  }

  @Override
  public String manifest(Object o) {
    return MANIFEST;
  }

  @Override
  public byte[] toBinary(Object o) {
    ReplaySnapshot s = (ReplaySnapshot) o;
    Writer w = new Writer();
    w.i32(MAGIC);
    w.i32(VERSION);
    w.i32(s.capacity());
    ReplaySnapshot.Totals t = s.totals();
    w.i64(t.nextSeq());
    w.i64(t.newestVersion());
    w.f64(t.maxSeen());
    w.i64(t.inserts());
    w.i64(t.itemsSampled());
    w.i64(t.batchesSampled());
    w.i64(t.evicted());
    w.i64(t.evictedStale());
    w.i64(t.removedAfterMaxSamples());
    w.i64(t.droppedUpdates());
    w.ints(s.freeSlots());
    int count = 0;
    for (EpisodeGroup g : s.items()) {
      if (g != null) {
        count++;
      }
    }
    w.i32(count);
    for (int slot = 0; slot < s.capacity(); slot++) {
      EpisodeGroup g = s.items()[slot];
      if (g == null) {
        continue;
      }
      w.i32(slot);
      w.i64(s.seqs()[slot]);
      w.f64(s.priorities()[slot]);
      w.i32(s.timesSampled()[slot]);
      writeGroup(w, g);
    }
    return w.bytes();
  }

  static void writeGroup(Writer w, EpisodeGroup g) {
    w.str(g.id());
    w.i64(g.position());
    w.str(g.workerId());
    w.i64(g.adapterVersion());
    w.i64(g.createdAtMillis());
    w.i32(g.metadata().size());
    for (Map.Entry<String, String> e : g.metadata().entrySet()) {
      w.str(e.getKey());
      w.str(e.getValue());
    }
    w.i32(g.episodes().size());
    for (Episode e : g.episodes()) {
      w.i32(e.turns().size());
      for (Turn turn : e.turns()) {
        w.ints(turn.observation());
        w.ints(turn.action());
        w.floats(turn.logprobs());
        w.f32(turn.reward());
      }
    }
  }

  @Override
  public Object fromBinary(byte[] bytes, String manifest) throws NotSerializableException {
    if (!MANIFEST.equals(manifest)) {
      throw new NotSerializableException("unknown replay snapshot manifest '" + manifest + "'");
    }
    try {
      ByteBuffer in = ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN);
      if (in.getInt() != MAGIC || in.getInt() != VERSION) {
        throw new NotSerializableException("not a version " + VERSION + " replay snapshot");
      }
      int capacity = in.getInt();
      ReplaySnapshot.Totals totals =
          new ReplaySnapshot.Totals(
              in.getLong(), in.getLong(), in.getDouble(), in.getLong(), in.getLong(),
              in.getLong(), in.getLong(), in.getLong(), in.getLong(), in.getLong());
      int[] free = readInts(in, capacity);
      EpisodeGroup[] items = new EpisodeGroup[capacity];
      long[] seqs = new long[capacity];
      double[] priorities = new double[capacity];
      int[] timesSampled = new int[capacity];
      int count = in.getInt();
      for (int i = 0; i < count; i++) {
        int slot = in.getInt();
        if (slot < 0 || slot >= capacity || items[slot] != null) {
          throw new NotSerializableException("replay snapshot slot " + slot + " is out of range or repeated");
        }
        seqs[slot] = in.getLong();
        priorities[slot] = in.getDouble();
        timesSampled[slot] = in.getInt();
        items[slot] = readGroup(in);
      }
      if (in.hasRemaining()) {
        throw new NotSerializableException(in.remaining() + " bytes after the replay snapshot's end");
      }
      return new ReplaySnapshot(capacity, items, seqs, priorities, timesSampled, free, totals);
    } catch (BufferUnderflowException | IllegalArgumentException | NegativeArraySizeException e) {
      throw new NotSerializableException("truncated or corrupt replay snapshot: " + e);
    }
  }

  static EpisodeGroup readGroup(ByteBuffer in) throws NotSerializableException {
    String id = readStr(in);
    long position = in.getLong();
    String worker = readStr(in);
    long version = in.getLong();
    long createdAt = in.getLong();
    int nMeta = count(in, in.remaining() / 8);
    Map<String, String> metadata = new HashMap<>(nMeta * 2);
    for (int i = 0; i < nMeta; i++) {
      metadata.put(readStr(in), readStr(in));
    }
    int nEpisodes = count(in, in.remaining() / 4);
    List<Episode> episodes = new ArrayList<>(nEpisodes);
    for (int e = 0; e < nEpisodes; e++) {
      int nTurns = count(in, in.remaining() / 12);
      List<Turn> turns = new ArrayList<>(nTurns);
      for (int t = 0; t < nTurns; t++) {
        int[] observation = readInts(in, in.remaining() / 4);
        int[] action = readInts(in, in.remaining() / 4);
        float[] logprobs = readFloats(in, in.remaining() / 4);
        turns.add(new Turn(observation, action, logprobs, in.getFloat()));
      }
      episodes.add(new Episode(turns));
    }
    return new EpisodeGroup(id, position, worker, version, episodes, metadata, createdAt);
  }

  /** A count read from the data, checked against what could possibly follow it. */
  private static int count(ByteBuffer in, int most) throws NotSerializableException {
    int n = in.getInt();
    if (n < 0 || n > most) {
      throw new NotSerializableException("corrupt replay snapshot: count " + n + " at byte " + (in.position() - 4));
    }
    return n;
  }

  private static String readStr(ByteBuffer in) throws NotSerializableException {
    int n = count(in, in.remaining());
    String s = new String(in.array(), in.arrayOffset() + in.position(), n, StandardCharsets.UTF_8);
    in.position(in.position() + n);
    return s;
  }

  private static int[] readInts(ByteBuffer in, int most) throws NotSerializableException {
    int[] out = new int[count(in, Math.min(most, in.remaining() / 4))];
    in.asIntBuffer().get(out);
    in.position(in.position() + out.length * 4);
    return out;
  }

  private static float[] readFloats(ByteBuffer in, int most) throws NotSerializableException {
    float[] out = new float[count(in, Math.min(most, in.remaining() / 4))];
    in.asFloatBuffer().get(out);
    in.position(in.position() + out.length * 4);
    return out;
  }

  /** A growable little-endian buffer. */
  static final class Writer {
    private ByteBuffer buf = ByteBuffer.allocate(1 << 16).order(ByteOrder.LITTLE_ENDIAN);

    private void ensure(int more) {
      if (buf.remaining() < more) {
        long wanted = Math.max((long) buf.capacity() * 2, (long) buf.position() + more);
        if (wanted > Integer.MAX_VALUE - 8) {
          throw new IllegalStateException("replay snapshot over 2 GiB; lower swarm.replay.capacity");
        }
        ByteBuffer bigger = ByteBuffer.allocate((int) wanted).order(ByteOrder.LITTLE_ENDIAN);
        buf.flip();
        bigger.put(buf);
        buf = bigger;
      }
    }

    void i32(int v) {
      ensure(4);
      buf.putInt(v);
    }

    void i64(long v) {
      ensure(8);
      buf.putLong(v);
    }

    void f32(float v) {
      ensure(4);
      buf.putFloat(v);
    }

    void f64(double v) {
      ensure(8);
      buf.putDouble(v);
    }

    void str(String s) {
      byte[] b = s.getBytes(StandardCharsets.UTF_8);
      i32(b.length);
      ensure(b.length);
      buf.put(b);
    }

    void ints(int[] v) {
      i32(v.length);
      ensure(v.length * 4);
      buf.asIntBuffer().put(v);
      buf.position(buf.position() + v.length * 4);
    }

    void floats(float[] v) {
      i32(v.length);
      ensure(v.length * 4);
      buf.asFloatBuffer().put(v);
      buf.position(buf.position() + v.length * 4);
    }

    byte[] bytes() {
      byte[] out = new byte[buf.position()];
      System.arraycopy(buf.array(), 0, out, 0, out.length);
      return out;
    }
  }
}
