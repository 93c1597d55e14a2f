package io.swarmengine.adapter;

import io.swarmengine.model.GptConfig;
import io.swarmengine.model.LoraAdapter;
import io.swarmengine.model.ModelFormatException;
import java.io.IOException;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Comparator;
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

  private final Path root;

  public AdapterStore(Path dataDir) {
    this.root = dataDir.resolve("adapters");
  }

  /** What {@link #put} stored: the content hash and the size of both files. */
  public record Stored(String sha256, long sizeBytes) {}

  public Stored put(LoraAdapter adapter) throws IOException {
    Files.createDirectories(root);
    Path tmp = Files.createTempDirectory(root, ".incoming-");
    try {
      adapter.write(tmp);
      String sha = sha256(tmp);
      long size = Files.size(tmp.resolve(CONFIG)) + Files.size(tmp.resolve(WEIGHTS));
      Path target = root.resolve(sha);
      if (!Files.isDirectory(target)) {
        try {
          Files.move(tmp, target, StandardCopyOption.ATOMIC_MOVE);
        } catch (FileAlreadyExistsException | AtomicMoveNotSupportedException raced) {
          // another writer stored the same content first
        }
      }
      return new Stored(sha, size);
    } finally {
      deleteTree(tmp);
    }
  }

  public Path path(String sha256) {
    return root.resolve(sha256);
  }

  /** The adapter stored under {@code sha256}, after checking that its files still hash to it. */
  public LoraAdapter read(String sha256, GptConfig model) throws ModelFormatException {
    Path dir = path(sha256);
    String actual;
    try {
      actual = sha256(dir);
    } catch (IOException e) {
      throw new ModelFormatException("adapter " + sha256 + " cannot be read from " + dir + ": " + e.getMessage(), e);
    }
    if (!actual.equals(sha256)) {
      throw new ModelFormatException(
          "adapter " + sha256 + " in " + dir + " is corrupt: its files hash to " + actual + "; refused");
    }
    return LoraAdapter.read(dir, model);
  }

  /** The content hash of an adapter folder. */
  public static String sha256(Path dir) throws IOException {
    MessageDigest digest;
    try {
      digest = MessageDigest.getInstance("SHA-256");
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
    digest.update(Files.readAllBytes(dir.resolve(CONFIG)));
    digest.update((byte) 0);
    digest.update(Files.readAllBytes(dir.resolve(WEIGHTS)));
    return HexFormat.of().formatHex(digest.digest());
  }

  private static void deleteTree(Path dir) throws IOException {
    if (!Files.exists(dir)) {
      return;
    }
    try (var paths = Files.walk(dir)) {
      for (Path p : paths.sorted(Comparator.reverseOrder()).toList()) {
        Files.deleteIfExists(p);
      }
    }
  }
}
