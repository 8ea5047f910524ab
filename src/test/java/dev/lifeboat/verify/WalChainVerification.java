package dev.lifeboat.verify;

import dev.lifeboat.store.BackupStore;
import java.time.Clock;
import java.util.List;
import java.util.Map;

/**
 * {@code verify --wal} as its job runs it ({@link WalChainCheck} with the base backups each store
 * holds), for integration tests of other packages that build their stores themselves.
 */
public final class WalChainVerification {

  private WalChainVerification() {}

  /** What {@code verify --wal} of {@code target} finds in {@code stores}, in their order. */
  public static Verify.WalReport check(String target, List<BackupStore> stores, Clock clock) {
    Map<String, BackupStore> byName =
        stores.stream().collect(java.util.stream.Collectors.toMap(BackupStore::name, s -> s));
    return new WalChainCheck(
            byName::get,
            (store, t, system) -> WalChainCheck.baseBackups(store, t, system, clock),
            clock)
        .check(target, stores.stream().map(BackupStore::name).toList());
  }
}
