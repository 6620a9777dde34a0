/**
 * GGUF metadata values. Each value carries its GGUF type so the writer never has to guess
 * (llama.cpp insists on exact types: `general.alignment` must be u32, token types i32, …).
 */
export enum GgufValueType {
  Uint8 = 0,
  Int8 = 1,
  Uint16 = 2,
  Int16 = 3,
  Uint32 = 4,
  Int32 = 5,
  Float32 = 6,
  Bool = 7,
  String = 8,
  Array = 9,
  Uint64 = 10,
  Int64 = 11,
  Float64 = 12,
}

export type GgufScalarType = Exclude<GgufValueType, GgufValueType.Array>;

export type GgufValue =
  | { readonly type: GgufValueType.String; readonly value: string }
  | { readonly type: GgufValueType.Bool; readonly value: boolean }
  | { readonly type: GgufValueType.Uint64; readonly value: bigint }
  | { readonly type: GgufValueType.Int64; readonly value: bigint }
  | {
      readonly type: Exclude<
        GgufScalarType,
        GgufValueType.String | GgufValueType.Bool | GgufValueType.Uint64 | GgufValueType.Int64
      >;
      readonly value: number;
    }
  | {
      readonly type: GgufValueType.Array;
      readonly itemType: GgufValueType.String;
      readonly items: readonly string[];
    }
  | {
      readonly type: GgufValueType.Array;
      readonly itemType: GgufValueType.Float32 | GgufValueType.Int32 | GgufValueType.Uint32;
      readonly items: readonly number[];
    };

export interface GgufKeyValue {
  readonly key: string;
  readonly value: GgufValue;
}

export const gguf = {
  string: (value: string): GgufValue => ({ type: GgufValueType.String, value }),
  bool: (value: boolean): GgufValue => ({ type: GgufValueType.Bool, value }),
  u32: (value: number): GgufValue => ({ type: GgufValueType.Uint32, value }),
  i32: (value: number): GgufValue => ({ type: GgufValueType.Int32, value }),
  f32: (value: number): GgufValue => ({ type: GgufValueType.Float32, value }),
  u64: (value: bigint): GgufValue => ({ type: GgufValueType.Uint64, value }),
  strings: (items: readonly string[]): GgufValue => ({
    type: GgufValueType.Array,
    itemType: GgufValueType.String,
    items,
  }),
  f32s: (items: readonly number[]): GgufValue => ({
    type: GgufValueType.Array,
    itemType: GgufValueType.Float32,
    items,
  }),
  i32s: (items: readonly number[]): GgufValue => ({
    type: GgufValueType.Array,
    itemType: GgufValueType.Int32,
    items,
  }),
} as const;
