package dev.lifeboat.catalog;

import dev.lifeboat.base.Json;
import dev.lifeboat.pg.PgCatalog;
import java.time.Duration;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.regex.Pattern;
import tools.jackson.core.JacksonException;

/** Reads and writes manifests as Json.mapper(). */
public final class Manifests {

  /** How far a manifest's times may run ahead of our clock before it is not believed. */
  static final Duration CLOCK_SKEW = Duration.ofMinutes(5);

  private static final Pattern SHA256 = Pattern.compile("[0-9a-f]{64}");

  private Manifests() {}

  public static byte[] write(Manifest manifest) {
    return Json.mapper().writeValueAsBytes(manifest);
  }

  /**
   * Parses a manifest; a damaged one is an {@link IllegalArgumentException} naming the problem.
   * Table keys of older manifests are read into today's form ({@link PgCatalog.Table#key()}), and
   * their empty label ({@code ""}, written for a backup without one) as none (null). The signature
   * covers the stored bytes, so reading a label differently never unsigns a manifest.
   */
  public static Manifest read(byte[] json) {
    Manifest m;
    try {
      m = Json.mapper().readValue(json, Manifest.class);
    } catch (JacksonException e) {
      throw new IllegalArgumentException("manifest is not valid JSON: " + e.getOriginalMessage());
    }
    if (m == null || m.id() == null || m.sha256() == null || m.target() == null) {
      throw new IllegalArgumentException("manifest lacks id, target or sha256");
    }
    return new Manifest(
        m.id(),
        m.target(),
        m.label() == null || m.label().isEmpty() ? null : m.label(),
        m.startedAt(),
        m.completedAt(),
        m.format(),
        m.sizeBytes(),
        m.sha256(),
        m.rawBytes(),
        m.database(),
        m.serverVersion(),
        m.pgDumpVersion(),
        m.lifeboatVersion(),
        m.tables() == null ? null : normalized(m.tables()),
        m.rls() == null ? null : normalized(m.rls()),
        m.pinned(),
        m.encryption(),
        m.globals());
  }

  /**
   * Parses the manifest stored under {@code target/id/manifest.json} and checks it belongs there:
   * its id and target are the key's, its id is well formed, its required fields are present and it
   * was not completed in the future. Anything else is an {@link IllegalArgumentException} that says
   * what is wrong, so one bad object is named and skipped, never believed.
   */
  public static Manifest read(byte[] json, String target, String id, Instant now) {
    Manifest m = read(json);
    if (!target.equals(m.target())) {
      throw new IllegalArgumentException(
          "manifest says target '" + m.target() + "' but lies under target '" + target + "'");
    }
    if (!id.equals(m.id())) {
      throw new IllegalArgumentException(
          "manifest says id '" + m.id() + "' but lies under id '" + id + "'");
    }
    if (!BackupId.isValid(m.id())) {
      throw new IllegalArgumentException("manifest id '" + m.id() + "' is not a backup id");
    }
    if (m.startedAt() == null || m.completedAt() == null || m.tables() == null) {
      throw new IllegalArgumentException("manifest lacks startedAt, completedAt or tables");
    }
    if (!SHA256.matcher(m.sha256()).matches() || m.sizeBytes() < 0) {
      throw new IllegalArgumentException("manifest has no valid sha256 or sizeBytes");
    }
    if (m.completedAt().isAfter(now.plus(CLOCK_SKEW))) {
      throw new IllegalArgumentException(
          "manifest says it completed at " + m.completedAt() + ", in the future (now " + now + ")");
    }
    if (m.startedAt().isAfter(m.completedAt())) {
      throw new IllegalArgumentException("manifest says it started after it completed");
    }
    return m;
  }

  private static <V> Map<String, V> normalized(Map<String, V> byTable) {
    Map<String, V> result = new LinkedHashMap<>();
    for (Map.Entry<String, V> e : byTable.entrySet()) {
      String key = PgCatalog.Table.normalizeKey(e.getKey());
      if (result.putIfAbsent(key, e.getValue()) != null) {
        throw new IllegalArgumentException("manifest lists table " + key + " twice");
      }
    }
    return result;
  }
}
