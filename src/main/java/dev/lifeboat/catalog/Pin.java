package dev.lifeboat.catalog;

import java.time.Instant;

/**
 * A pin: backup {@code backup} of {@code target} is never pruned. Stored as {@code
 * <target>/<id>/pin.json} in every store that holds the backup, so every node and later run sees
 * it; {@code lifeboat unpin} deletes it.
 */
public record Pin(String backup, String target, Instant pinnedAt, String reason, String node) {

  /** The pin's object name beside {@code manifest.json}. */
  public static final String FILE = "pin.json";

  /** Key of the pin of backup {@code id} of {@code target}. */
  public static String key(String target, String id) {
    return target + "/" + id + "/" + FILE;
  }
}
