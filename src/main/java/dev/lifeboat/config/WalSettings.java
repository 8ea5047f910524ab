package dev.lifeboat.config;

import dev.lifeboat.config.LifeboatProperties.TargetProperties;
import dev.lifeboat.config.LifeboatProperties.Wal;
import java.time.Duration;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.springframework.util.unit.DataSize;

/**
 * Checks every target's {@code wal} section when the configuration loads: each mistake a {@link
 * ConfigException} naming its key (exit 2), before any receiver or job starts.
 */
final class WalSettings {

  /** What PostgreSQL accepts as a slot name (ReplicationSlotValidateName: NAMEDATALEN - 1). */
  private static final Pattern SLOT = Pattern.compile("[a-z0-9_]{1,63}");

  /** Four segments of the default 16 MB: the spool seals whole segments while others upload. */
  private static final DataSize SPOOL_MIN = DataSize.ofMegabytes(64);

  /** Host and port of a target's URL, as pg/PgConnection reads it (5432 when none is given). */
  private static final Pattern SERVER =
      Pattern.compile(
          "jdbc:postgresql://(?<host>\\[[0-9A-Fa-f:.%\\w]+]|[^/:?\\[\\],]+)"
              + "(?::(?<port>\\d{1,5}))?/.*",
          Pattern.DOTALL);

  private WalSettings() {}

  /** Throws a {@link ConfigException} naming the key of the first mistake, in target order. */
  static void check(Map<String, TargetProperties> targets) {
    Map<String, String> archivedBy = new TreeMap<>();
    for (Map.Entry<String, TargetProperties> e : new TreeMap<>(targets).entrySet()) {
      Wal wal = e.getValue().wal();
      if (wal == null) {
        continue;
      }
      String target = e.getKey();
      String key = "lifeboat.targets." + target + ".wal.";
      // an unused default is no mistake: a long target name needs a slot only once WAL is on
      String slot = wal.slotName(target);
      if ((wal.enabled() || wal.slot() != null) && !SLOT.matcher(slot).matches()) {
        throw new ConfigException(
            key + "slot",
            "'"
                + slot
                + "' is not a replication slot name; use lower-case letters, digits and '_'"
                + " (at most 63)"
                + (wal.slot() == null || wal.slot().isBlank()
                    ? ", and set it: the default is made from the target's name"
                    : ""));
      }
      atLeastOneSecond(
          key + "partial-upload-interval",
          wal.partialUploadInterval(),
          "it bounds how old the newest WAL in the stores may be");
      atLeastOneSecond(
          key + "basebackup-wal-timeout",
          wal.basebackupWalTimeout(),
          "how long a base backup waits for its WAL in each store");
      if (wal.spoolMax() == null || wal.spoolMax().compareTo(SPOOL_MIN) < 0) {
        throw new ConfigException(
            key + "spool-max",
            text(wal.spoolMax())
                + " is too small; use at least 64MB (four WAL segments of 16 MB), e.g. 2GB");
      }
      if (wal.compressionLevel() < 1 || wal.compressionLevel() > 22) {
        throw new ConfigException(
            key + "compression-level",
            wal.compressionLevel() + " is not a zstd level; use 1 to 22 (default 3)");
      }
      String server = wal.enabled() ? server(e.getValue().url()) : null;
      if (server != null) {
        String other = archivedBy.putIfAbsent(server, target);
        if (other != null) {
          throw new ConfigException(
              key + "enabled",
              "target "
                  + other
                  + " already archives the WAL of "
                  + server
                  + "; WAL belongs to a server, enable it on one target");
        }
      }
    }
  }

  private static void atLeastOneSecond(String key, Duration value, String why) {
    if (value == null || value.compareTo(Duration.ofSeconds(1)) < 0) {
      throw new ConfigException(key, text(value) + " is too short; use at least 1s (" + why + ")");
    }
  }

  /**
   * {@code host:port} of a JDBC URL, the host in lower case; null for a URL the target's own check
   * refuses (target/Targets reports it first).
   */
  static String server(String url) {
    Matcher m = url == null ? null : SERVER.matcher(url.trim());
    if (m == null || !m.matches()) {
      return null;
    }
    String host = m.group("host").toLowerCase(Locale.ROOT);
    return host + ":" + (m.group("port") == null ? "5432" : Integer.parseInt(m.group("port")));
  }

  private static String text(Duration d) {
    if (d == null) {
      return "nothing";
    }
    long ms = d.toMillis();
    return ms % 1000 == 0 ? ms / 1000 + "s" : ms + "ms";
  }

  private static String text(DataSize size) {
    if (size == null) {
      return "nothing";
    }
    long bytes = size.toBytes();
    return bytes % DataSize.ofMegabytes(1).toBytes() == 0 ? size.toMegabytes() + "MB" : bytes + "B";
  }
}
