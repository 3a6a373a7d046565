/**
 * Training data: indexed example sets, batches of named arrays, and the seeded data order of each epoch.
 */
package org.distill4j.core.data;
