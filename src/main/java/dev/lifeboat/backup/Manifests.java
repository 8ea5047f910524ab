package dev.lifeboat.backup;

import dev.lifeboat.Json;
import tools.jackson.core.JacksonException;

/** Reads and writes manifests as Json.mapper(). */
public final class Manifests {

  private Manifests() {}

  public static byte[] write(Manifest manifest) {
    return Json.mapper().writeValueAsBytes(manifest);
  }

  /** Parses a manifest; a damaged one is an {@link IllegalArgumentException} naming the problem. */
  public static Manifest read(byte[] json) {
    try {
      Manifest m = Json.mapper().readValue(json, Manifest.class);
      if (m.id() == null || m.sha256() == null || m.target() == null) {
        throw new IllegalArgumentException("manifest lacks id, target or sha256");
      }
      return m;
    } catch (JacksonException e) {
      throw new IllegalArgumentException("manifest is not valid JSON: " + e.getOriginalMessage());
    }
  }
}
