package dev.lifeboat.run;

import dev.lifeboat.target.Target;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import org.springframework.stereotype.Component;

/**
 * What the door hands to a run's steps in this process, by the run's {@code ticket} parameter: the
 * target it resolved, so a step never looks a target up again by its name. Nothing of it is
 * serialised; a ticket lives as long as its run.
 */
@Component
final class Handoff {

  private final Map<String, Target> targets = new ConcurrentHashMap<>();

  String open(Target target) {
    String ticket = UUID.randomUUID().toString();
    targets.put(ticket, target);
    return ticket;
  }

  Optional<Target> target(String ticket) {
    return ticket == null ? Optional.empty() : Optional.ofNullable(targets.get(ticket));
  }

  void close(String ticket) {
    targets.remove(ticket);
  }
}
