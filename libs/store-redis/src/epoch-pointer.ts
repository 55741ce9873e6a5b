import { StoreError } from './store-error';

/** Parses the value of `P:{w}:epoch`: absent = never saved (0n); anything but a positive decimal is damage at rest. */
export function parseEpochPointer(value: string | null, key: string): bigint {
  if (value === null) return 0n;
  if (!/^[1-9][0-9]{0,19}$/.test(value)) {
    throw new StoreError('DIGEST_MISMATCH', `${key} does not hold an epoch number`, { metadata: { key } });
  }
  return BigInt(value);
}
