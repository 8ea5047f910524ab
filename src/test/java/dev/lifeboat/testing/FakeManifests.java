package dev.lifeboat.testing;

import dev.lifeboat.catalog.Manifest;
import java.time.Instant;
import java.util.Map;

/**
 * Manifests of backups that were never taken, for tests that need a store's listing (prune,
 * refusals before any restore) and not a dump that restores: a 4-byte dump with a SHA-256 of zeros,
 * started a minute before it completed.
 */
public final class FakeManifests {

  private FakeManifests() {}

  public static Manifest of(String id, String target, Instant completed, String label) {
    return new Manifest(
        id,
        target,
        label,
        completed.minusSeconds(60),
        completed,
        Manifest.FORMAT,
        4,
        "0".repeat(64),
        4,
        target,
        "15.0",
        "15.0",
        "test",
        Map.of(),
        Map.of(),
        false,
        null,
        null);
  }
}
