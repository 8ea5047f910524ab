package dev.lifeboat.backup;

import com.fasterxml.jackson.annotation.JsonCreator;
import com.fasterxml.jackson.annotation.JsonValue;
import dev.lifeboat.catalog.Manifest;
import dev.lifeboat.run.Outcome;
import java.util.List;
import java.util.Locale;

/**
 * The outcome of a backup: {@code complete} (every store holds it), {@code partial} (some do) or
 * {@code failed} (none does). What {@code backup --json} prints.
 */
public record BackupResult(
    String id,
    String target,
    String label,
    Status status,
    Manifest manifest,
    List<Store> stores,
    String error) {

  /** How the backup ended, written as its lower-case word. */
  public enum Status {
    COMPLETE(Outcome.SUCCESS),
    PARTIAL(Outcome.PARTIAL),
    FAILED(Outcome.FAILED),
    /** Not taken: another backup of the target was running (another node, a typed command). */
    SKIPPED(Outcome.SKIPPED),
    /** Stopped on request (SIGTERM); nothing of it is listed. */
    STOPPED(Outcome.STOPPED);

    private final Outcome outcome;

    Status(Outcome outcome) {
      this.outcome = outcome;
    }

    @JsonValue
    public String word() {
      return name().toLowerCase(Locale.ROOT);
    }

    /** The word, as messages print it (migrate's safe apply reads it so). */
    @Override
    public String toString() {
      return word();
    }

    @JsonCreator
    public static Status of(String word) {
      return valueOf(word.toUpperCase(Locale.ROOT));
    }
  }

  /** How one store fared in a backup: {@code ok} or {@code failed} with the reason. */
  public record Store(String store, Store.Status status, String error) {

    /** Whether the store holds the backup, written as its lower-case word. */
    public enum Status {
      OK,
      FAILED;

      @JsonValue
      public String word() {
        return name().toLowerCase(Locale.ROOT);
      }

      @JsonCreator
      public static Status of(String word) {
        return valueOf(word.toUpperCase(Locale.ROOT));
      }
    }

    static Store ok(String store) {
      return new Store(store, Status.OK, null);
    }

    static Store failed(String store, String error) {
      return new Store(store, Status.FAILED, error);
    }

    boolean isOk() {
      return status == Status.OK;
    }
  }

  /** The outcome in the words of the metrics and the job log. */
  public Outcome outcome() {
    return status.outcome;
  }

  /** Exit code per CONTRACT §3: 0 complete, 3 partial, 1 failed, skipped or stopped. */
  public int exitCode() {
    return outcome().exitCode();
  }
}
