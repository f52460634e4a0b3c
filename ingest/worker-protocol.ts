/**
 * Messages between the ingest thread and an ingest worker thread (`worker.ts`,
 * `pool.ts`), and how typed errors cross the thread boundary.
 */
import type { MessagePort } from 'node:worker_threads';
import { DatasetConfig } from '../lib/config-types';
import { CsvRecordTooLongError } from './csv';
import { EmptyObjectError, TypeCsvOptions } from './ingest';
import { LzopFormatError } from './lzop';
import { TextEncodingError } from './text';
import { TimeFormatError } from './time';
import { HeaderMismatchError, IngestCounts, UnreadableTimesError } from './typing';

/** One object's task for a worker: what to ingest, and the port its blocks arrive on and its parts leave on. */
export interface IngestTask {
  objectKey: string;
  config: DatasetConfig;
  options: TypeCsvOptions;
  port: MessagePort;
}

/** Ingest thread → worker, on the object's port. */
export type ToWorker =
  /** Decompressed CSV bytes of the object. */
  | { type: 'block'; bytes: Uint8Array }
  /** No more blocks. */
  | { type: 'end' };

/** A thrown value as plain data: class name, message, and the error's own fields. */
export interface ErrorData {
  name: string;
  message: string;
  stack?: string;
  fields: Record<string, unknown>;
}

/** Worker → ingest thread, on the object's port. */
export type FromWorker =
  /** A block was taken off the worker's queue: the sender may send another. */
  | { type: 'ack' }
  | { type: 'part'; clean?: Uint8Array; rejects?: Uint8Array }
  | { type: 'done'; counts: IngestCounts }
  | { type: 'error'; error: ErrorData };

/** The error classes that keep their type across the thread boundary. */
const ERROR_TYPES: Record<string, new (...args: never[]) => Error> = {
  HeaderMismatchError,
  EmptyObjectError,
  CsvRecordTooLongError,
  LzopFormatError,
  TimeFormatError,
  UnreadableTimesError,
  TextEncodingError,
  RangeError,
  TypeError,
};

/** Captures an error (or any thrown value) as structured-clonable data. */
export function errorToData(e: unknown): ErrorData {
  if (!(e instanceof Error)) return { name: 'Error', message: String(e), fields: {} };
  const fields: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(e)) fields[k] = v;
  return { name: e.name, message: e.message, stack: e.stack, fields };
}

/** Rebuilds an error from {@link errorToData}: an instance of the same class when it is one of the ingest errors, else an `Error`. */
export function errorFromData(data: ErrorData): Error {
  const type = ERROR_TYPES[data.name] ?? Error;
  const error = Object.create(type.prototype) as Error;
  Object.assign(error, data.fields);
  Object.defineProperty(error, 'message', { value: data.message, writable: true, configurable: true });
  Object.defineProperty(error, 'stack', { value: data.stack, writable: true, configurable: true });
  error.name = data.name;
  return error;
}
