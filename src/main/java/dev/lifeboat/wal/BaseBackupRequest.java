package dev.lifeboat.wal;

import dev.lifeboat.run.Request;
import java.time.Instant;

/**
 * A base backup of {@code target}, labelled or not ({@code label} null for none, a blank one too).
 * {@code id} and {@code startedAt} are left to the verb, which fills them in before anything is
 * recorded; the id comes from the same id space as the dumps'.
 */
public record BaseBackupRequest(String target, String label, String id, Instant startedAt)
    implements Request<BaseBackupResult> {

  public BaseBackupRequest {
    label = label == null || label.isBlank() ? null : label;
  }

  /** What a caller asks: a base backup of {@code target} with {@code label} (null for none). */
  public BaseBackupRequest(String target, String label) {
    this(target, label, null, null);
  }

  /** The request to run: the base backup's id and the instant it is named after. */
  public BaseBackupRequest named(String id, Instant startedAt) {
    return new BaseBackupRequest(target, label, id, startedAt);
  }
}
