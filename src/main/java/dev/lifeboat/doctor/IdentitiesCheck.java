package dev.lifeboat.doctor;

import dev.lifeboat.config.LifeboatConfig;
import dev.lifeboat.crypto.Identities;
import dev.lifeboat.crypto.Keys;
import dev.lifeboat.crypto.TargetKeys;
import dev.lifeboat.run.DoctorCheck;
import dev.lifeboat.run.Finding;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import org.springframework.core.annotation.Order;
import org.springframework.stereotype.Component;

/**
 * The age identities restore, drill and deep verify would use: each list (the global one, a
 * target's own) loads, and no identity file is open to other users. A red one here is what those
 * commands would refuse, found before a restore is needed.
 */
@Component
@Order(5)
final class IdentitiesCheck extends DoctorCheck {

  private final LifeboatConfig config;
  private final Keys keys;

  IdentitiesCheck(LifeboatConfig config, Keys keys) {
    super("identities");
    this.config = config;
    this.keys = keys;
  }

  @Override
  public List<Probe> probes() {
    return List.of(new Probe("identities", this::check));
  }

  private List<Finding> check() {
    List<Finding> findings = new ArrayList<>();
    Set<String> seen = new LinkedHashSet<>();
    for (String target : config.properties().targets().keySet()) {
      TargetKeys targetKeys = keys.forTarget(target);
      String key = targetKeys.identitiesKey();
      if (!seen.add(key)) {
        continue;
      }
      String name =
          key.startsWith("lifeboat.targets.") ? "target " + target + " identities" : "identities";
      Identities identities;
      try {
        identities = targetKeys.identities();
      } catch (RuntimeException e) {
        findings.add(Finding.fail(name, e.getMessage()));
        continue;
      }
      if (identities.isEmpty()) {
        continue;
      }
      findings.add(
          Finding.ok(
              name,
              String.join(", ", identities.describe())
                  + ": valid, and no identity file is open to other users"));
    }
    return findings;
  }
}
