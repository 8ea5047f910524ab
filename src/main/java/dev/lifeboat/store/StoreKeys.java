package dev.lifeboat.store;

/** The rules every driver applies to keys, so a key means the same object in every store. */
final class StoreKeys {

  private StoreKeys() {}

  /** Refuses keys that could escape the store's root or that name no object. */
  static String requireValidKey(String key) {
    if (key == null || key.isEmpty()) {
      throw new IllegalArgumentException("a store key must not be empty");
    }
    if (key.startsWith("/") || key.endsWith("/")) {
      throw new IllegalArgumentException(
          "store key '" + key + "' must be relative and name an object, not a directory");
    }
    requireSafeSegments(key);
    return key;
  }

  /** A listing prefix may be empty or end anywhere, but must not climb out of the root. */
  static String requireValidPrefix(String prefix) {
    if (prefix == null) {
      throw new IllegalArgumentException("a store prefix must not be null; use \"\" for all");
    }
    if (prefix.startsWith("/")) {
      throw new IllegalArgumentException("store prefix '" + prefix + "' must be relative");
    }
    if (!prefix.isEmpty()) {
      requireSafeSegments(prefix.endsWith("/") ? prefix.substring(0, prefix.length() - 1) : prefix);
    }
    return prefix;
  }

  private static void requireSafeSegments(String path) {
    if (path.indexOf('\\') >= 0 || path.indexOf('\0') >= 0) {
      throw new IllegalArgumentException(
          "store key '" + path + "' must use '/' and contain no backslash or NUL");
    }
    for (String segment : path.split("/", -1)) {
      if (segment.isEmpty() || segment.equals(".") || segment.equals("..")) {
        throw new IllegalArgumentException(
            "store key '" + path + "' has an empty, '.' or '..' segment");
      }
    }
  }
}
