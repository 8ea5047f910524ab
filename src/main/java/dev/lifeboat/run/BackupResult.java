package dev.lifeboat.run;

import com.fasterxml.jackson.annotation.JsonCreator;
import dev.lifeboat.base.Word;
import dev.lifeboat.catalog.Manifest;
import java.util.Arrays;
import java.util.List;

/**
 * The outcome of a backup: {@code complete} (every store holds it), {@code partial} (some do) or
 * {@code failed} (none does). What {@code backup --json} prints; {@code label} is null when the
 * backup has none.
 */
public record BackupResult(
    String id,
    String target,
    String label,
    Status status,
    Manifest manifest,
    List<Store> stores,
    String error)
    implements Result {

  /** How the backup ended, written as its lower-case word. */
  public enum Status implements Word {
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

    /** The word, as messages print it (migrate's safe apply reads it so). */
    @Override
    public String toString() {
      return word();
    }

    @JsonCreator
    public static Status of(String word) {
      return Word.of(Status.class, word);
    }

    /** The status that has {@code outcome}. */
    public static Status of(Outcome outcome) {
      return Arrays.stream(values()).filter(s -> s.outcome == outcome).findFirst().orElseThrow();
    }
  }

  /** How one store fared in a backup: {@code ok} or {@code failed} with the reason. */
  public record Store(String store, Store.Status status, String error) {

    /** Whether the store holds the backup, written as its lower-case word. */
    public enum Status implements Word {
      OK,
      FAILED;

      @JsonCreator
      public static Status of(String word) {
        return Word.of(Status.class, word);
      }
    }

    public static Store ok(String store) {
      return new Store(store, Status.OK, null);
    }

    public static Store failed(String store, String error) {
      return new Store(store, Status.FAILED, error);
    }

    /** Whether the store holds the backup (not a JSON field: records write their components). */
    public boolean ok() {
      return status == Status.OK;
    }
  }

  /** The outcome in the words of the metrics and the job log. */
  @Override
  public Outcome outcome() {
    return status.outcome;
  }

  /** Exit code per CONTRACT §3: 0 complete, 3 partial, 1 failed, skipped or stopped. */
  @Override
  public int exitCode() {
    return outcome().exitCode();
  }

  /** The scheduler's log line: the id, and with a manifest its size and how each store fared. */
  @Override
  public String summary() {
    return manifest == null
        ? id
        : id
            + ", "
            + manifest.sizeBytes()
            + " bytes, stores "
            + stores.stream().map(s -> s.store() + (s.ok() ? "" : " (failed)")).toList();
  }
}
