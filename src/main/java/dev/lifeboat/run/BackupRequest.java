package dev.lifeboat.run;

import java.time.Instant;

/**
 * A backup of {@code target}, labelled or not: {@code label} is null when the caller gave none (a
 * blank one too), and stays null all the way to the manifest. {@code id} and {@code startedAt} are
 * left to the backup verb, which fills them in before anything is recorded.
 */
public record BackupRequest(String target, String label, String id, Instant startedAt)
    implements Request<BackupResult> {

  public BackupRequest {
    label = label == null || label.isBlank() ? null : label;
  }

  /** What a caller asks: a backup of {@code target} with {@code label} (null for none). */
  public BackupRequest(String target, String label) {
    this(target, label, null, null);
  }

  /** The request to run: the backup's id and the instant it is named after. */
  public BackupRequest named(String id, Instant startedAt) {
    return new BackupRequest(target, label, id, startedAt);
  }
}
