package dev.lifeboat.testing;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * How {@link PostgresServer#startNew(ServerOptions)} makes its cluster: more {@code initdb}
 * arguments and {@code postgresql.conf} settings (values as written in the file).
 */
public record ServerOptions(List<String> initdbArgs, Map<String, String> settings) {

  static final ServerOptions DEFAULT = new ServerOptions(List.of(), Map.of());

  public ServerOptions {
    initdbArgs = List.copyOf(initdbArgs);
    settings = Map.copyOf(settings);
  }

  /**
   * WAL segments of {@code mb} MB (every WAL test 16× cheaper than with 16 MB: segments complete in
   * a fraction of a second) and a WAL budget to match: checkpoints soon, no WAL kept for nobody, no
   * limit on what a slot holds until a test sets one.
   */
  public static ServerOptions walSegmentMb(int mb) {
    return new ServerOptions(
        List.of("--wal-segsize=" + mb),
        Map.of(
            "max_wal_size", "'" + 8 * mb + "MB'",
            "min_wal_size", "'" + 2 * mb + "MB'",
            "checkpoint_timeout", "'30s'",
            "wal_keep_size", "0",
            "max_slot_wal_keep_size", "-1"));
  }

  /** The same, with {@code name = value} in postgresql.conf too. */
  public ServerOptions with(String name, String value) {
    Map<String, String> more = new LinkedHashMap<>(settings);
    more.put(name, value);
    return new ServerOptions(initdbArgs, more);
  }
}
