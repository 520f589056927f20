package io.tiergate.gateway.tier;

import io.tiergate.tiering.store.ObjectStoreException;
import io.tiergate.tiering.store.RetryingObjectStore;
import java.time.Duration;
import java.util.Locale;
import java.util.function.LongSupplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * What the cloud tier sees of its store, now: connected, disconnected, or a container that
 * belongs to another appliance. Every attempt of every store call reports here (through {@link
 * RetryingObjectStore.Observer}), so the state follows an outage at its first failed attempt and
 * a recovery at the first answer; an idle tier's probe keeps it current when nothing else calls.
 *
 * <p>The alert: once the store has been away for {@code alertAfter}, {@link #alerting()} turns
 * true and the listener hears it once (an error event and the alert gauge); it clears when the
 * store answers again.
 *
 * <p>Thread-safe: transitions are serialised; readers see volatile fields.
 */
public final class CloudHealth implements RetryingObjectStore.Observer {
  private static final Logger log = LoggerFactory.getLogger(CloudHealth.class);

  /** The states, with the names the API and the metrics use. */
  public enum State {
    /** No answer from the store yet since the start (or since the store was switched). */
    CONNECTING,
    /** The store answers. */
    CONNECTED,
    /** The store does not answer (or refuses the credentials): cold reads fail fast. */
    DISCONNECTED,
    /**
     * The container holds another appliance's key ring: the tier is not attached, nothing is
     * written there, nothing is evicted; local volumes are served.
     */
    FOREIGN_CONTAINER;

    /** The name shown by the API and the metrics ({@code foreign-container}). */
    public String label() {
      return name().toLowerCase(Locale.ROOT).replace('_', '-');
    }
  }

  /** Hears state changes and the alert. Must be cheap and must not throw. */
  public interface Listener {
    /** The state changed to {@code now}; {@code detail} says why (never a secret). */
    void stateChanged(State now, String detail);

    /** The store has been away for the alert time ({@code raised}), or answers again. */
    void alert(boolean raised, String detail);

    /** Hears nothing. */
    Listener NONE = new Listener() {
      @Override
      public void stateChanged(State now, String detail) {}

      @Override
      public void alert(boolean raised, String detail) {}
    };
  }

  private final LongSupplier clock;
  private volatile Duration alertAfter;
  private volatile Listener listener = Listener.NONE;
  private volatile State state = State.CONNECTING;
  private volatile String lastError;
  private volatile long lastAnswerMillis;
  private volatile long lastFailureMillis;
  private volatile long downSinceMillis;
  private volatile boolean alerting;

  CloudHealth(Duration alertAfter, LongSupplier clock) {
    this.alertAfter = alertAfter;
    this.clock = clock;
  }

  /** Reports to {@code l} from now on (null: nowhere). */
  void setListener(Listener l) {
    listener = l == null ? Listener.NONE : l;
  }

  void setAlertAfter(Duration d) {
    alertAfter = d;
  }

  @Override
  public void answered() {
    long now = clock.getAsLong();
    lastAnswerMillis = now;
    if (state == State.CONNECTED || state == State.FOREIGN_CONTAINER) {
      return; // the common case costs one volatile write and read
    }
    synchronized (this) {
      if (state == State.DISCONNECTED || state == State.CONNECTING) {
        State was = state;
        state = State.CONNECTED;
        lastError = null;
        downSinceMillis = 0;
        if (was == State.DISCONNECTED) {
          log.info("cloud tier: the store answers again; cold reads and uploads resume");
        }
        listener.stateChanged(State.CONNECTED, "the store answers");
        if (alerting) {
          alerting = false;
          listener.alert(false, "the store answers again");
        }
      }
    }
  }

  @Override
  public void failed(ObjectStoreException e) {
    if (e.code() == ObjectStoreException.Code.THROTTLED) {
      lastAnswerMillis = clock.getAsLong(); // it answered "slow down": reachable
      return;
    }
    disconnected(e.code() == ObjectStoreException.Code.AUTH_FAILED
        ? "the store refused the credentials (" + e.code() + ")"
        : "the store does not answer (" + e.code() + ")");
  }

  /** Marks the store away now, with {@code why} as the last error (no secret in it). */
  void disconnected(String why) {
    long now = clock.getAsLong();
    lastFailureMillis = now;
    synchronized (this) {
      lastError = why;
      if (state == State.CONNECTED || state == State.CONNECTING) {
        state = State.DISCONNECTED;
        downSinceMillis = now;
        log.warn("cloud tier disconnected: {}; local data is safe, cold reads fail with NOT "
            + "READY until it answers again", why);
        listener.stateChanged(State.DISCONNECTED, why);
      }
    }
  }

  /** The container is another appliance's: refused until {@link #attached}. */
  synchronized void foreign(String why) {
    lastError = why;
    if (state != State.FOREIGN_CONTAINER) {
      state = State.FOREIGN_CONTAINER;
      downSinceMillis = 0;
      listener.stateChanged(State.FOREIGN_CONTAINER, why);
    }
  }

  /** The store was checked and may be used: a foreign state ends. */
  synchronized void attached() {
    if (state == State.FOREIGN_CONTAINER) {
      state = State.CONNECTED;
      lastError = null;
      listener.stateChanged(State.CONNECTED, "the store may be used");
    }
  }

  /** A new store: nothing is known of it yet. */
  synchronized void reset() {
    state = State.CONNECTING;
    lastError = null;
    downSinceMillis = 0;
    if (alerting) {
      alerting = false;
      listener.alert(false, "the cloud store was switched");
    }
  }

  /** Raises the alert once the store has been away for the alert time (called periodically). */
  void checkAlert() {
    long since = downSinceMillis;
    if (state != State.DISCONNECTED || since == 0 || alerting) {
      return;
    }
    long away = clock.getAsLong() - since;
    if (away >= alertAfter.toMillis()) {
      synchronized (this) {
        if (state == State.DISCONNECTED && !alerting) {
          alerting = true;
          String detail = "the cloud store has not answered for " + away / 1000 + " s ("
              + lastError + "): nothing is uploaded and evicted chunks cannot be read";
          log.error("cloud tier: {}", detail);
          listener.alert(true, detail);
        }
      }
    }
  }

  /** The state now. */
  public State state() {
    return state;
  }

  /** Whether cold reads should fail at once rather than wait for the store. */
  public boolean disconnected() {
    return state == State.DISCONNECTED;
  }

  /** The last connection error (no secret), or null while connected. */
  public String lastError() {
    return lastError;
  }

  /** When the store last answered (epoch millis), 0 for never. */
  public long lastAnswerMillis() {
    return lastAnswerMillis;
  }

  /** When an attempt last failed (epoch millis), 0 for never. */
  public long lastFailureMillis() {
    return lastFailureMillis;
  }

  /** Since when the store has been away (epoch millis), 0 while it is not. */
  public long downSinceMillis() {
    return downSinceMillis;
  }

  /** Whether the alert is raised. */
  public boolean alerting() {
    return alerting;
  }

  /** How long the store may be away before the alert. */
  public Duration alertAfter() {
    return alertAfter;
  }
}
