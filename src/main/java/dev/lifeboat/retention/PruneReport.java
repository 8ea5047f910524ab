package dev.lifeboat.retention;

import com.fasterxml.jackson.annotation.JsonCreator;
import com.fasterxml.jackson.annotation.JsonInclude;
import dev.lifeboat.base.Word;
import dev.lifeboat.run.Outcome;
import dev.lifeboat.run.Result;
import java.time.Instant;
import java.util.List;

/**
 * What {@code prune} decided and did, per store ({@code prune --json}); with {@code --dry-run} the
 * plan alone.
 *
 * @param status {@code success}, {@code partial} (a store was skipped) or {@code failed} (none
 *     could be read)
 * @param spool spool files of dead processes under {@code lifeboat.home} removed (or, dry, to be)
 */
public record PruneReport(
    String target,
    boolean dryRun,
    Outcome status,
    String summary,
    String error,
    List<StoreReport> stores,
    List<Cleaned> spool)
    implements Result {

  /** How a store fared, written as its lower-case word. */
  public enum StoreStatus implements Word {
    /** Dry run: the plan only. */
    PLANNED,
    PRUNED,
    /** Down or unreadable: nothing decided, nothing deleted. */
    SKIPPED;

    @JsonCreator
    public static StoreStatus of(String word) {
      return Word.of(StoreStatus.class, word);
    }
  }

  /**
   * One store's plan and outcome.
   *
   * @param guard why nothing is deleted (backups failing), or null
   * @param deleted ids deleted (dry run: to be deleted), their manifest first
   * @param retainedByStore objects the store refused to delete (Object Lock, AccessDenied)
   * @param leftAlone objects not understood (an invalid manifest), never deleted
   */
  public record StoreReport(
      String store,
      StoreStatus status,
      String rules,
      String guard,
      List<Kept> kept,
      List<String> deleted,
      List<Cleaned> cleaned,
      List<Retained> retainedByStore,
      List<Retained> leftAlone,
      String error,
      @JsonInclude(JsonInclude.Include.NON_NULL) Wal wal) {

    /** A store report of a target without base backups or WAL in the store. */
    public StoreReport(
        String store,
        StoreStatus status,
        String rules,
        String guard,
        List<Kept> kept,
        List<String> deleted,
        List<Cleaned> cleaned,
        List<Retained> retainedByStore,
        List<Retained> leftAlone,
        String error) {
      this(
          store,
          status,
          rules,
          guard,
          kept,
          deleted,
          cleaned,
          retainedByStore,
          leftAlone,
          error,
          null);
    }

    StoreReport withWal(Wal wal) {
      return new StoreReport(
          store,
          status,
          rules,
          guard,
          kept,
          deleted,
          cleaned,
          retainedByStore,
          leftAlone,
          error,
          wal);
    }
  }

  /**
   * What prune decided for the store's {@code <target>.wal/}: its base backups (by the same rules
   * as the dumps, as their own series) and the WAL objects no kept base backup needs.
   *
   * @param deleted base-backup ids deleted (dry run: to be), their manifest first
   * @param walDeleted WAL objects deleted (dry run: to be): older than {@code keptFrom}, superseded
   *     partials, second copies
   * @param keptFrom the start LSN of the oldest kept base backup: WAL from it on is kept; null when
   *     no WAL is deleted for want of a complete base backup
   * @param oldestKeptSegment the oldest completed segment still stored after the prune, or null
   * @param reasons one line per kind of WAL deletion, or why none was deleted
   * @param retainedByStore objects the store refused to delete
   */
  @JsonInclude(JsonInclude.Include.NON_NULL)
  public record Wal(
      List<Kept> kept,
      List<String> deleted,
      long walDeleted,
      long walDeletedBytes,
      String keptFrom,
      String oldestKeptSegment,
      List<String> reasons,
      List<Retained> retainedByStore) {}

  /** A kept backup and every reason. */
  public record Kept(String id, List<String> reasons) {}

  /**
   * Something a crash left behind: {@code incomplete-backup} (objects without a manifest), {@code
   * multipart-upload}, {@code partial-file}, {@code spool-file}.
   */
  public record Cleaned(String kind, String key, Instant lastModified) {}

  /** An object left in place and why. */
  public record Retained(String key, String why) {}

  /** Success: all stores handled (exit 0); partial: a store was skipped (3); failed: none (1). */
  @Override
  public Outcome outcome() {
    return status;
  }
}
