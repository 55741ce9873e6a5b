/**
 * The order-independent set digest of DESIGN §3's expectations. It lives in the contract, so the
 * SDK fills expectations with the daemon's own code; re-exported for the change-set checks.
 */
export { addDigest, recordDigest, setDigestHex, subtractDigest } from '@persistd/contract';
