package io.swarmengine.engine;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.OverlappingFileLockException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;

/**
 * One live engine per data folder: an OS lock on {@code DIR/run.lock}, which the OS drops when the
 * process dies however it dies (so a run killed with -9 never blocks its resume). Tools use
 * {@link #isHeld} to tell a live run from a stopped one.
 */
final class RunLock {
  private final FileChannel channel;
  private final FileLock lock;

  private RunLock(FileChannel channel, FileLock lock) {
    this.channel = channel;
    this.lock = lock;
  }

  static RunLock acquire(Path dataDir) {
    Path file = dataDir.resolve("run.lock");
    if (Files.exists(dataDir) && !Files.isDirectory(dataDir)) {
      throw new IllegalStateException("the data folder " + dataDir + " is a file, not a folder");
    }
    try {
      Files.createDirectories(dataDir);
      FileChannel channel = FileChannel.open(file, StandardOpenOption.CREATE, StandardOpenOption.WRITE);
      FileLock lock;
      try {
        lock = channel.tryLock();
      } catch (OverlappingFileLockException e) {
        lock = null;
      }
      if (lock == null) {
        channel.close();
        throw new IllegalStateException("another engine is running on " + dataDir + " (it holds " + file + ")");
      }
      channel.truncate(0);
      channel.write(ByteBuffer.wrap((ProcessHandle.current().pid() + "\n").getBytes(StandardCharsets.UTF_8)));
      return new RunLock(channel, lock);
    } catch (IOException e) {
      throw new IllegalStateException("cannot lock " + file + ": " + e.getMessage(), e);
    }
  }

  /** Whether a live engine (in this process or another) holds the folder. */
  static boolean isHeld(Path dataDir) {
    Path file = dataDir.resolve("run.lock");
    if (!Files.exists(file)) {
      return false;
    }
    try (FileChannel channel = FileChannel.open(file, StandardOpenOption.WRITE)) {
      FileLock probe = channel.tryLock();
      if (probe == null) {
        return true;
      }
      probe.release();
      return false;
    } catch (OverlappingFileLockException e) {
      return true;
    } catch (IOException e) {
      return false;
    }
  }

  void release() {
    try {
      lock.release();
      channel.close();
    } catch (IOException e) {
      // the OS drops the lock with the process anyway
    }
  }
}
