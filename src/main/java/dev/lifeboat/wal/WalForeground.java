package dev.lifeboat.wal;

import java.time.Duration;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.springframework.context.SmartLifecycle;
import org.springframework.stereotype.Component;

/**
 * {@code lifeboat wal receive}: one target's receiver in the foreground of a typed command, as
 * {@code serve} runs it (the same lease, so a serve node streaming the target makes it stand by),
 * until the time given is over or SIGTERM / Ctrl-C stops it, with the partial segment uploaded. For
 * trying a set-up, and for the demo.
 */
@Component
public final class WalForeground implements SmartLifecycle {

  private final WalReceivers receivers;
  private final CountDownLatch stop = new CountDownLatch(1);
  private volatile boolean running;

  WalForeground(WalReceivers receivers) {
    this.receivers = receivers;
  }

  /**
   * Streams {@code target}'s WAL for {@code howLong} (or until stopped); returns the receiver's
   * state when it was asked to stop, in its word ({@code streaming}, {@code standby}, …).
   */
  public String receive(String target, Duration howLong) throws InterruptedException {
    Receiver receiver = receivers.foreground(target);
    receiver.start();
    try {
      stop.await(howLong.toMillis(), TimeUnit.MILLISECONDS);
      return receiver.state().word();
    } finally {
      receiver.stop(Duration.ofSeconds(20));
    }
  }

  @Override
  public void start() {
    running = true;
  }

  @Override
  public void stop() {
    stop.countDown();
    running = false;
  }

  @Override
  public boolean isRunning() {
    return running;
  }
}
