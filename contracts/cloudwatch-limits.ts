/**
 * CloudWatch API limits the publisher batches by and the cost model counts calls with (no imports:
 * both the Lambda and the CDK side load it).
 */

/**
 * PutMetricData's limits per call: "Each request is also limited to no more than 1000 different
 * metrics." (https://docs.aws.amazon.com/AmazonCloudWatch/latest/APIReference/API_PutMetricData.html)
 */
export const PUT_METRIC_DATA_MAX_DATUMS = 1000;
/**
 * Kept under the 1 MB request limit with room for the envelope; the estimate is conservative too
 * (ISO timestamps are longer than the epoch seconds the SDK sends).
 */
export const PUT_METRIC_DATA_MAX_BYTES = 1_000_000;
