package io.swarmengine.adapter;

import io.swarmengine.model.GptConfig;
import io.swarmengine.model.LoraAdapter;
import io.swarmengine.model.ModelFormatException;
import io.swarmengine.persistence.Folders;
import java.io.IOException;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;

/**
 * Adapter files, content-addressed: each adapter lives in PEFT's layout under
 * {@code <data>/adapters/<sha256>/}, named by the SHA-256 of its {@code adapter_config.json} and
 * {@code adapter_model.safetensors} (in that order, separated by a zero byte). Writing the same
 * adapter twice stores it once; reading verifies the hash first, so a corrupt or altered file is
 * refused before anything loads it.
 */
public final class AdapterStore {
  static final String CONFIG = "adapter_config.json";
  static final String WEIGHTS = "adapter_model.safetensors";

  private static final long PROCESS = ProcessHandle.current().pid();

  private final Path root;
  private final java.util.concurrent.atomic.AtomicLong incoming = new java.util.concurrent.atomic.AtomicLong();
  private volatile boolean rootMade;

  public AdapterStore(Path dataDir) {
    this.root = dataDir.resolve("adapters");
  }

  /** What {@link #put} stored: the content hash and the size of both files. */
  public record Stored(String sha256, long sizeBytes) {}

  public Stored put(LoraAdapter adapter) throws IOException {
    byte[] config = adapter.configBytes();
    byte[] weights = adapter.weightsBytes();
    String sha = sha256(config, weights);
    storeFiles(sha, config, weights);
    return new Stored(sha, config.length + weights.length);
  }

  public Path path(String sha256) {
    return root.resolve(sha256);
  }

  /**
   * The adapter stored under {@code sha256}, after checking that its files still hash to it (the
   * bytes that were checked are the ones parsed: each file is read once).
   */
  public LoraAdapter read(String sha256, GptConfig model) throws ModelFormatException {
    Path dir = path(sha256);
    byte[] config;
    byte[] weights;
    try {
      config = Files.readAllBytes(dir.resolve(CONFIG));
      weights = Files.readAllBytes(dir.resolve(WEIGHTS));
    } catch (java.nio.file.NoSuchFileException e) {
      throw new ModelFormatException("adapter " + sha256 + " in " + dir + " has no " + Path.of(e.getFile()).getFileName(), e);
    } catch (IOException e) {
      throw new ModelFormatException("adapter " + sha256 + " cannot be read from " + dir + ": " + e.getMessage(), e);
    }
    String actual = sha256(config, weights);
    if (!actual.equals(sha256)) {
      throw new ModelFormatException(
          "adapter " + sha256 + " in " + dir + " is corrupt: its files hash to " + actual + "; refused");
    }
    return LoraAdapter.parse(dir, config, weights, model);
  }

  /**
   * The adapter under {@code sha256} as one byte bundle for transfer between nodes:
   * a 4-byte big-endian length of adapter_config.json, that file, then adapter_model.safetensors.
   */
  public byte[] bundle(String sha256) throws IOException {
    byte[] config = Files.readAllBytes(path(sha256).resolve(CONFIG));
    byte[] weights = Files.readAllBytes(path(sha256).resolve(WEIGHTS));
    java.nio.ByteBuffer out = java.nio.ByteBuffer.allocate(4 + config.length + weights.length);
    out.putInt(config.length).put(config).put(weights);
    return out.array();
  }

  /**
   * Stores a bundle received from another node under {@code sha256}, after checking that it hashes
   * to it: a corrupt or truncated transfer is refused and nothing is written.
   */
  public void install(String sha256, byte[] bundle) throws ModelFormatException, IOException {
    if (bundle.length < 4) {
      throw new ModelFormatException("adapter " + sha256 + ": a bundle of " + bundle.length + " bytes is truncated");
    }
    int configLength = java.nio.ByteBuffer.wrap(bundle).getInt();
    if (configLength < 0 || configLength > bundle.length - 4) {
      throw new ModelFormatException("adapter " + sha256 + ": the bundle's config length " + configLength + " is corrupt");
    }
    byte[] config = java.util.Arrays.copyOfRange(bundle, 4, 4 + configLength);
    byte[] weights = java.util.Arrays.copyOfRange(bundle, 4 + configLength, bundle.length);
    String actual = sha256(config, weights);
    if (!actual.equals(sha256)) {
      throw new ModelFormatException("adapter " + sha256 + ": the received files hash to " + actual + "; refused");
    }
    storeFiles(sha256, config, weights);
  }

  /** Writes an adapter's two files under {@code sha256}, whole or not at all; nothing when it is there. */
  private void storeFiles(String sha256, byte[] config, byte[] weights) throws IOException {
    if (Files.isDirectory(path(sha256))) {
      return;
    }
    if (!rootMade) {
      Files.createDirectories(root);
      rootMade = true;
    }
    Path tmp;
    try {
      // a name of its own without the random name and checks of createTempDirectory (once a step)
      tmp = Files.createDirectory(root.resolve(".incoming-" + PROCESS + "-" + incoming.incrementAndGet()));
    } catch (FileAlreadyExistsException leftOver) {
      tmp = Files.createTempDirectory(root, ".incoming-");
    }
    try {
      Files.write(tmp.resolve(CONFIG), config);
      Files.write(tmp.resolve(WEIGHTS), weights);
      try {
        Files.move(tmp, path(sha256), StandardCopyOption.ATOMIC_MOVE);
      } catch (FileAlreadyExistsException | AtomicMoveNotSupportedException raced) {
        // another writer stored the same content first
      }
    } finally {
      Folders.deleteTree(tmp);
    }
  }

  private static MessageDigest digest() {
    try {
      return MessageDigest.getInstance("SHA-256");
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }

  /** The content hash of an adapter folder. */
  public static String sha256(Path dir) throws IOException {
    return sha256(Files.readAllBytes(dir.resolve(CONFIG)), Files.readAllBytes(dir.resolve(WEIGHTS)));
  }

  private static String sha256(byte[] config, byte[] weights) {
    MessageDigest digest = digest();
    digest.update(config);
    digest.update((byte) 0);
    digest.update(weights);
    return HexFormat.of().formatHex(digest.digest());
  }

  /** Deletes the adapter stored under {@code sha256} (nothing when there is none). */
  public void delete(String sha256) throws IOException {
    Path dir = path(sha256);
    // an adapter's folder holds its two files: no walk of it (the hub prunes one a step)
    Files.deleteIfExists(dir.resolve(CONFIG));
    Files.deleteIfExists(dir.resolve(WEIGHTS));
    try {
      Files.deleteIfExists(dir);
    } catch (java.nio.file.DirectoryNotEmptyException somethingElse) {
      Folders.deleteTree(dir);
    }
  }
}
