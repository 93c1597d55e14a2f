package io.swarmengine.engine;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class RunLockTest {
  @TempDir Path dir;

  @Test
  void oneEnginePerFolderAndAFileIsNoFolder() throws Exception {
    Path data = dir.resolve("data");
    RunLock lock = RunLock.acquire(data);
    try {
      assertTrue(RunLock.isHeld(data));
      IllegalStateException second = assertThrows(IllegalStateException.class, () -> RunLock.acquire(data));
      assertTrue(second.getMessage().startsWith("another engine is running on " + data), second.getMessage());
    } finally {
      lock.release();
    }
    assertFalse(RunLock.isHeld(data));

    Path file = Files.writeString(dir.resolve("notes.txt"), "x");
    IllegalStateException notAFolder = assertThrows(IllegalStateException.class, () -> RunLock.acquire(file));
    assertEquals("the data folder " + file + " is a file, not a folder", notAFolder.getMessage());
  }
}
