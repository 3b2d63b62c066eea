/** The tools the local model tests offer: a strict function, a function without parameters, a custom tool with a grammar. */
export const weatherTool = {
  type: 'function' as const,
  name: 'get_weather',
  description: 'The weather in a city.',
  parameters: {
    type: 'object',
    properties: {
      city: { type: 'string', maxLength: 16 },
      unit: { type: ['string', 'null'], enum: ['c', 'f', null] },
      days: { type: 'integer' },
    },
    required: ['city', 'unit', 'days'],
    additionalProperties: false,
  },
  strict: true,
};
export const timeTool = {
  type: 'function' as const,
  name: 'get_time',
  description: 'The time now.',
  parameters: null,
  strict: false,
};
export const codeTool = {
  type: 'custom' as const,
  name: 'set_code',
  description: 'Sets a code.',
  format: { type: 'grammar' as const, syntax: 'regex' as const, definition: '[A-Z]{2}-[0-9]{3}(-x)?' },
};
