/**
 * The assignment is the SDK's own module, so a storefront that evaluates flags itself and the server
 * that checks and records its exposures can never disagree on a variant.
 */
export { assignVariant, bucket } from '@siyu/sdk/assign';
