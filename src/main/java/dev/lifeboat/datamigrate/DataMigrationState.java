package dev.lifeboat.datamigrate;

import com.fasterxml.jackson.annotation.JsonCreator;
import com.fasterxml.jackson.annotation.JsonValue;
import java.util.Locale;

/** Where a data migration stands, as kept in the target's {@code lifeboat.data_migration}. */
public enum DataMigrationState {
  /** No spec run yet, or nothing recorded on the target. */
  PENDING,
  RUNNING,
  /** Paused on request; {@code resume} continues it. */
  PAUSED,
  /** The process running it stopped (SIGTERM, Ctrl-C) or died; {@code run} continues it. */
  STOPPED,
  /** A chunk failed; fix the SQL and {@code run} again continues at that chunk. */
  FAILED,
  COMPLETED,
  /** Cancelled for good; its history stays. */
  CANCELLED;

  /** The lower-case word the progress table and {@code --json} hold. */
  @JsonValue
  public String word() {
    return name().toLowerCase(Locale.ROOT);
  }

  @JsonCreator
  public static DataMigrationState of(String word) {
    return word == null ? PENDING : valueOf(word.toUpperCase(Locale.ROOT));
  }
}
