package dev.lifeboat.wal;

import dev.lifeboat.base.Json;
import dev.lifeboat.catalog.BaseBackupCatalog;
import dev.lifeboat.run.Jobs;
import dev.lifeboat.run.Outcome;
import dev.lifeboat.run.StoppableWork;
import dev.lifeboat.store.BackupStore;
import dev.lifeboat.store.ObjectUpload;
import dev.lifeboat.target.Target;
import dev.lifeboat.target.Targets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * The base backup's {@code wal} step (plan §4.2): a store whose data and manifest committed is
 * {@code complete} once it holds every WAL segment from the backup's start to its stop, else {@code
 * waiting-for-wal}; it asks every 2 s until {@code timeout}, then leaves the result. A store still
 * waiting then becomes complete later by itself, when the WAL arrives: completeness is derived.
 */
final class WalWait implements Jobs.Stage<BaseBackupRequest> {

  static final String STREAMED = "streamed";
  private static final Duration POLL = Duration.ofSeconds(2);

  private final Targets targets;
  private final java.util.function.Function<String, Duration> timeout;
  private final String whyWaiting;

  /**
   * @param whyWaiting what a store that waits is told (why its WAL may not come)
   */
  WalWait(Targets targets, Duration timeout, String whyWaiting) {
    this(targets, target -> timeout, whyWaiting);
  }

  /**
   * @param timeout how long to wait for the WAL of a target, by target name
   */
  WalWait(
      Targets targets, java.util.function.Function<String, Duration> timeout, String whyWaiting) {
    this.targets = targets;
    this.timeout = timeout;
    this.whyWaiting = whyWaiting;
  }

  @Override
  public void run(BaseBackupRequest request, Target target, Jobs.Scope run) {
    BaseBackupStream.Streamed streamed =
        Json.read(run.context().getString(STREAMED), BaseBackupStream.Streamed.class);
    BaseBackupResult result = decide(target.name(), targets.stores(target), streamed, run.stop());
    run.result(result);
    if (result.outcome() == Outcome.FAILED) {
      throw new BaseBackupStream.BaseBackupException(
          "base backup " + result.id() + " of target '" + target.name() + "': " + result.error(),
          null);
    }
  }

  /**
   * Each of {@code stores} (the target's, in its order) as the copy left it and its WAL finds it.
   */
  BaseBackupResult decide(
      String target,
      List<BackupStore> stores,
      BaseBackupStream.Streamed streamed,
      StoppableWork.Stop stop) {
    BaseBackupCatalog.Manifest m = streamed.manifest();
    List<BackupStore> committed = new ArrayList<>();
    for (BackupStore store : stores) {
      ObjectUpload.Broadcast.Outcome o = streamed.stores().get(store.name());
      if (o != null && o.ok()) {
        committed.add(store);
      }
    }
    long deadline = System.nanoTime() + timeout.apply(target).toNanos();
    List<String> complete = BaseBackupCatalog.completeIn(target, m, committed);
    while (complete.size() < committed.size()
        && System.nanoTime() - deadline < 0
        && !stop.requested()) {
      sleep();
      complete = BaseBackupCatalog.completeIn(target, m, committed);
    }
    List<BaseBackupResult.StoreOutcome> outcomes = new ArrayList<>();
    for (Map.Entry<String, ObjectUpload.Broadcast.Outcome> e : streamed.stores().entrySet()) {
      String name = e.getKey();
      outcomes.add(
          !e.getValue().ok()
              ? new BaseBackupResult.StoreOutcome(
                  name, BaseBackupResult.StoreOutcome.Status.FAILED, e.getValue().error())
              : complete.contains(name)
                  ? new BaseBackupResult.StoreOutcome(
                      name, BaseBackupResult.StoreOutcome.Status.COMPLETE, null)
                  : new BaseBackupResult.StoreOutcome(
                      name,
                      BaseBackupResult.StoreOutcome.Status.WAITING_FOR_WAL,
                      "data and manifest stored; segments "
                          + m.startSegment()
                          + " to "
                          + m.stopSegment()
                          + " not all there yet; "
                          + whyWaiting));
    }
    Outcome outcome = BaseBackupResult.outcomeOf(outcomes);
    String error =
        outcome == Outcome.SUCCESS
            ? null
            : outcomes.stream()
                    .anyMatch(s -> s.status() == BaseBackupResult.StoreOutcome.Status.COMPLETE)
                ? "not complete in every store"
                : committed.isEmpty()
                    ? "reached no store"
                    : "complete in no store: its WAL is not there; " + whyWaiting;
    return new BaseBackupResult(m.id(), target, m.label(), outcome, m, outcomes, error);
  }

  private static void sleep() {
    try {
      Thread.sleep(POLL.toMillis());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}
