package io.tiergate.tiering.store;

import java.time.Duration;
import java.util.Arrays;
import java.util.Collection;
import java.util.List;
import java.util.concurrent.ThreadLocalRandom;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Retries an {@link ObjectStore}'s retryable failures (throttling, outages) with exponential
 * back-off and full jitter, up to a time budget; other failures pass straight through.
 *
 * <p>Put-if-absent needs care: when an attempt fails after the service stored the object (the
 * response was lost), the next attempt finds the name taken, and so may the first attempt when
 * the SDK retried inside it. A put that meets {@code ALREADY_EXISTS} therefore reads the object
 * back and succeeds when the bytes are the ones it was storing, so an upload is idempotent
 * without ever replacing anything; different bytes under the name are still refused.
 *
 * <p>An {@link Observer} hears of every attempt as it ends, so that whoever watches the
 * store's health knows of an outage at its first failed attempt, not when the budget is spent.
 * {@link #withBudget} and {@link #observedBy} give views of the same store (one delegate, one
 * close) with another budget or observer: a cold read that must answer quickly retries less than
 * an upload that can wait.
 */
public final class RetryingObjectStore implements ObjectStore {

  private static final Logger LOG = LoggerFactory.getLogger(RetryingObjectStore.class);

  private final ObjectStore delegate;
  private final Duration initialDelay;
  private final Duration maxDelay;
  private final Duration budget;
  private final Observer observer;

  /** Hears how each attempt of each call ended. Must be cheap and must not throw. */
  public interface Observer {
    /** The service answered (the call succeeded, or failed with an answer such as NOT_FOUND). */
    void answered();

    /** The attempt failed without an answer the caller can use (outage, throttling, refusal). */
    void failed(ObjectStoreException e);

    /** Hears nothing. */
    Observer NONE = new Observer() {
      @Override
      public void answered() {}

      @Override
      public void failed(ObjectStoreException e) {}
    };
  }

  /**
   * Wraps {@code delegate}.
   *
   * @param initialDelay the first back-off
   * @param maxDelay the longest single back-off
   * @param budget how long to keep retrying one call before giving up with the last failure
   */
  public RetryingObjectStore(
      ObjectStore delegate, Duration initialDelay, Duration maxDelay, Duration budget) {
    this.delegate = delegate;
    this.initialDelay = initialDelay;
    this.maxDelay = maxDelay;
    this.budget = budget;
    this.observer = Observer.NONE;
  }

  private RetryingObjectStore(RetryingObjectStore base, Duration budget, Observer observer) {
    this.delegate = base.delegate;
    this.initialDelay = base.initialDelay;
    this.maxDelay = base.maxDelay;
    this.budget = budget;
    this.observer = observer;
  }

  /**
   * The same store (same delegate: closing either closes both) retrying each call for at most
   * {@code budget}; {@link Duration#ZERO} tries once.
   */
  public RetryingObjectStore withBudget(Duration budget) {
    return new RetryingObjectStore(this, budget, observer);
  }

  /** The same store, with every attempt reported to {@code observer}. */
  public RetryingObjectStore observedBy(Observer observer) {
    return new RetryingObjectStore(this, budget, observer);
  }

  /** How long one call keeps retrying. */
  public Duration budget() {
    return budget;
  }

  @Override
  public void putIfAbsent(String name, byte[] data) {
    put(name, data, () -> delegate.putIfAbsent(name, data));
  }

  @Override
  public void putIfAbsent(String name, byte[] data, byte[] contentMd5) {
    put(name, data, () -> delegate.putIfAbsent(name, data, contentMd5));
  }

  private void put(String name, byte[] data, Runnable attempt) {
    retry(
        "put " + name,
        () -> {
          try {
            attempt.run();
          } catch (ObjectStoreException e) {
            // Even the first attempt may meet its own object: the SDK retries inside one call,
            // e.g. after a timeout that struck once the service had stored the body.
            if (e.code() != ObjectStoreException.Code.ALREADY_EXISTS
                || !Arrays.equals(delegate.get(name), data)) {
              throw e;
            }
            LOG.debug("put {}: an earlier try had stored it", name);
          }
          return null;
        });
  }

  @Override
  public byte[] get(String name) {
    return retry("get " + name, () -> delegate.get(name));
  }

  @Override
  public byte[] getRange(String name, long offset, int length) {
    return retry("get range of " + name, () -> delegate.getRange(name, offset, length));
  }

  @Override
  public void delete(Collection<String> names) {
    retry(
        "delete",
        () -> {
          delegate.delete(names);
          return null;
        });
  }

  @Override
  public List<ObjectInfo> list(String prefix) {
    return retry("list " + prefix, () -> delegate.list(prefix));
  }

  @Override
  public void close() {
    delegate.close();
  }

  @Override
  public String toString() {
    return "Retrying[" + delegate + "]";
  }

  private <T> T retry(String what, Supplier<T> op) {
    long deadline = System.nanoTime() + budget.toNanos();
    long delay = initialDelay.toMillis();
    for (int attempt = 1; ; attempt++) {
      try {
        T result = op.get();
        observer.answered();
        return result;
      } catch (ObjectStoreException e) {
        if (answered(e.code())) {
          observer.answered();
        } else {
          observer.failed(e);
        }
        long left = deadline - System.nanoTime();
        if (!e.code().retryable() || left <= 0) {
          throw e;
        }
        long sleep = Math.min(ThreadLocalRandom.current().nextLong(delay + 1), left / 1_000_000);
        LOG.warn("{} failed ({}), attempt {}; retrying in {} ms", what, e.code(), attempt, sleep);
        try {
          Thread.sleep(sleep);
        } catch (InterruptedException ie) {
          Thread.currentThread().interrupt();
          throw e;
        }
        delay = Math.min(delay * 2, maxDelay.toMillis());
      }
    }
  }

  /** Failures that are the service's answer about the request, not a sign of an outage. */
  private static boolean answered(ObjectStoreException.Code code) {
    return switch (code) {
      case NOT_FOUND, ALREADY_EXISTS, INVALID -> true;
      default -> false;
    };
  }
}
