/**
 * Reads the purchase network of `model.ts` out of a TF.js layers model for the
 * fast forward pass (`forward.ts`): which columns the concatenation puts where,
 * the embedding tables, and the chain of dense layers. Everything is derived
 * from the model's graph and weights, so other hidden sizes, embedding widths
 * (0 included) or dropout layers need no change; any other layer is refused
 * with an error naming it.
 */
import * as tf from '@tensorflow/tfjs';

/** The model's graph holds a layer or a wiring the fast forward pass does not implement. */
export class UnsupportedModelError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'UnsupportedModelError';
  }
}

/** Activations `tf.fused.matMul` applies in the same kernel. */
const FUSED_ACTIVATIONS = ['linear', 'relu', 'relu6', 'elu', 'sigmoid'] as const;
type FusedActivation = (typeof FUSED_ACTIVATIONS)[number];

/** One block of the dense input: the features, or one embedding looked up by an id input. */
export type InputBlock =
  | { kind: 'features'; width: number }
  | {
      kind: 'embedding';
      /** Model input position of the ids: 1 = item, 2 = customer (the order `predictRaw` feeds). */
      input: 1 | 2;
      /** Row-major table, `rows` × `width`, a copy of the layer's current weights. */
      table: Float32Array;
      rows: number;
      width: number;
      /** Layer name, for errors. */
      layer: string;
    };

/** One dense layer: `activation(x · kernel + bias)`. */
export interface DenseStep {
  /** The layer's own weight tensors (not copies): [in, out] and [out]. */
  kernel: tf.Tensor2D;
  bias?: tf.Tensor1D;
  activation: FusedActivation;
  layer: string;
}

/** The network as the fast forward pass runs it. */
export interface ForwardNetwork {
  /** Column blocks of the first dense layer's input, in concatenation order. */
  blocks: InputBlock[];
  /** Σ block widths: the first dense layer's input width. */
  width: number;
  /** Dense layers from the first to the output unit. */
  dense: DenseStep[];
}

type Layer = tf.layers.Layer;

/** The layers feeding `layer`, which must be applied once (not shared). */
function inbound(layer: Layer): Layer[] {
  if (layer.inboundNodes.length > 1) throw new UnsupportedModelError(`layer "${layer.name}" (${layer.getClassName()}) is applied ${layer.inboundNodes.length} times; expected once`);
  return layer.inboundNodes[0]?.inboundLayers ?? [];
}

function only(layer: Layer): Layer {
  const from = inbound(layer);
  if (from.length !== 1) throw new UnsupportedModelError(`layer "${layer.name}" (${layer.getClassName()}) has ${from.length} inputs, expected 1`);
  return from[0];
}

function denseStep(layer: Layer): DenseStep {
  const config = layer.getConfig();
  const activation = String(config.activation ?? 'linear');
  if (!(FUSED_ACTIVATIONS as readonly string[]).includes(activation)) {
    throw new UnsupportedModelError(`layer "${layer.name}" (Dense) has activation "${activation}"; supported: ${FUSED_ACTIVATIONS.join(', ')}`);
  }
  const [kernel, bias] = layer.getWeights();
  return { kernel: kernel as tf.Tensor2D, bias: bias as tf.Tensor1D | undefined, activation: activation as FusedActivation, layer: layer.name };
}

/** The block a concatenation input (or the first dense layer's input) stands for. */
function inputBlock(model: tf.LayersModel, layer: Layer): InputBlock {
  const position = model.inputLayers.indexOf(layer);
  if (position === 0) return { kind: 'features', width: Number(model.inputs[0].shape[1]) };
  if (layer.getClassName() !== 'Flatten') {
    throw new UnsupportedModelError(`layer "${layer.name}" (${layer.getClassName()}) feeds the dense input; expected the features input or a Flatten of an Embedding`);
  }
  const embedding = only(layer);
  if (embedding.getClassName() !== 'Embedding') {
    throw new UnsupportedModelError(`layer "${embedding.name}" (${embedding.getClassName()}) feeds "${layer.name}"; expected an Embedding`);
  }
  const input = model.inputLayers.indexOf(only(embedding));
  if (input !== 1 && input !== 2) {
    throw new UnsupportedModelError(`layer "${embedding.name}" (Embedding) reads model input ${input}; expected input 1 (item) or 2 (customer)`);
  }
  const weights = embedding.getWeights()[0];
  const [rows, width] = weights.shape;
  return { kind: 'embedding', input, table: weights.dataSync() as Float32Array, rows, width, layer: embedding.name };
}

/**
 * Reads the network: output ← Dense (← Dropout)* … ← Dense ← Concatenate of
 * [features input, Flatten(Embedding(item or customer input))…] or ← the features input.
 * Embedding tables are copied (O(vocabulary × width)); dense weights are the
 * layer's own tensors, so a later weight update is not seen: read the network
 * again after training.
 * @param model a model built by `buildModel` (inputs features, item, customer; one output unit). A model
 *   saved without an embedding has lost that embedding's unused input when loaded back, so 1 to 3 inputs are taken.
 * @returns the network in evaluation order.
 * @throws UnsupportedModelError naming the first layer that is not of that form.
 */
export function readForwardNetwork(model: tf.LayersModel): ForwardNetwork {
  if (model.inputLayers.length < 1 || model.inputLayers.length > 3 || model.outputLayers.length !== 1) {
    throw new UnsupportedModelError(`model "${model.name}" has ${model.inputLayers.length} inputs and ${model.outputLayers.length} outputs; expected 1 to 3 (features, item, customer) and 1`);
  }
  const dense: DenseStep[] = [];
  let layer = model.outputLayers[0];
  for (;;) {
    const kind = layer.getClassName();
    if (kind === 'Dense') dense.unshift(denseStep(layer));
    else if (kind !== 'Dropout') break; // dropout is the identity at inference
    layer = only(layer);
  }
  if (dense.length === 0) throw new UnsupportedModelError(`output layer "${model.outputLayers[0].name}" (${model.outputLayers[0].getClassName()}) is not a Dense layer`);
  const concatenated = layer.getClassName() === 'Concatenate';
  if (concatenated) {
    const axis = Number(layer.getConfig().axis ?? -1);
    if (axis !== -1 && axis !== 1) throw new UnsupportedModelError(`layer "${layer.name}" (Concatenate) joins axis ${axis}; expected the last axis`);
  }
  const blocks = (concatenated ? inbound(layer) : [layer]).map((from) => inputBlock(model, from));
  const width = blocks.reduce((s, b) => s + b.width, 0);
  let units = width;
  for (const step of dense) {
    const [rows, cols] = step.kernel.shape;
    if (rows !== units) throw new UnsupportedModelError(`layer "${step.layer}" (Dense) takes ${rows} inputs but receives ${units}`);
    units = cols;
  }
  if (units !== 1) throw new UnsupportedModelError(`output layer "${dense[dense.length - 1].layer}" (Dense) has ${units} units; expected 1`);
  return { blocks, width, dense };
}

/** A network's weights as plain arrays (structured-clonable), to rebuild it on another thread. */
export interface NetworkWeights {
  blocks: InputBlock[];
  width: number;
  dense: { kernel: Float32Array; shape: [number, number]; bias?: Float32Array; activation: FusedActivation; layer: string }[];
}

/** Copies the dense weights of `net` off the backend. O(weights). */
export function networkWeights(net: ForwardNetwork): NetworkWeights {
  return {
    blocks: net.blocks,
    width: net.width,
    dense: net.dense.map((d) => ({
      kernel: d.kernel.dataSync() as Float32Array,
      shape: [d.kernel.shape[0], d.kernel.shape[1]],
      bias: d.bias?.dataSync() as Float32Array | undefined,
      activation: d.activation,
      layer: d.layer,
    })),
  };
}

/** Rebuilds a network from {@link networkWeights}, its dense weights as new tensors on the current backend. */
export function networkFromWeights(w: NetworkWeights): ForwardNetwork {
  return {
    blocks: w.blocks,
    width: w.width,
    dense: w.dense.map((d) => ({
      kernel: tf.tensor2d(d.kernel, d.shape),
      bias: d.bias === undefined ? undefined : tf.tensor1d(d.bias),
      activation: d.activation,
      layer: d.layer,
    })),
  };
}
