package io.tiergate.tiering.store;

import java.util.Collection;
import java.util.List;

/**
 * Where the cloud tier keeps its objects: Azure Blob storage, or a local directory.
 *
 * <p>Objects are immutable once written: the only write is {@link #putIfAbsent}, so an upload
 * retried after a lost response can never replace what an earlier attempt stored. Names are
 * relative, slash-separated paths of {@code [a-z0-9._-]} segments (see {@link ObjectNames}).
 *
 * <p>Every failure is an {@link ObjectStoreException} whose {@link ObjectStoreException.Code}
 * says whether it is worth retrying. Implementations are thread-safe.
 */
public interface ObjectStore extends AutoCloseable {

  /**
   * Stores {@code data} under {@code name}, durably, unless an object of that name exists.
   *
   * @throws ObjectStoreException with {@code ALREADY_EXISTS} when the name is taken
   */
  void putIfAbsent(String name, byte[] data);

  /**
   * {@link #putIfAbsent(String, byte[])} with the MD5 of {@code data} already computed (while
   * the data was produced, say). A store that sends the data over a network sends it as
   * Content-MD5, so that the service refuses a body damaged or cut short in transit instead of
   * storing it; a local store may ignore it.
   *
   * @throws ObjectStoreException with {@code ALREADY_EXISTS} when the name is taken
   */
  default void putIfAbsent(String name, byte[] data, byte[] contentMd5) {
    putIfAbsent(name, data);
  }

  /**
   * Reads a whole object.
   *
   * @throws ObjectStoreException with {@code NOT_FOUND} when there is none
   */
  byte[] get(String name);

  /**
   * Reads {@code length} bytes from {@code offset} of an object.
   *
   * @throws ObjectStoreException with {@code NOT_FOUND} when there is no such object, or
   *     {@code INVALID} when the range does not lie inside it
   */
  byte[] getRange(String name, long offset, int length);

  /** Deletes the named objects; names that do not exist are ignored. */
  void delete(Collection<String> names);

  /** Every object whose name starts with {@code prefix}, in name order. */
  List<ObjectInfo> list(String prefix);

  @Override
  void close();

  /** An object's name and size in bytes. */
  record ObjectInfo(String name, long size) {}
}
