package dev.lifeboat.backup;

/** How one store fared in a backup: {@code ok} or {@code failed} with the reason. */
public record StoreResult(String store, String status, String error) {

  static StoreResult ok(String store) {
    return new StoreResult(store, "ok", null);
  }

  static StoreResult failed(String store, String error) {
    return new StoreResult(store, "failed", error);
  }

  boolean isOk() {
    return "ok".equals(status);
  }
}
