/**
 * ChatML, the chat format the generated models declare. node-llama-cpp recognises this exact
 * Jinja template as equivalent to its ChatMLChatWrapper, so sessions get a real chat format.
 */
export const CHATML_START = "<|im_start|>";
export const CHATML_END = "<|im_end|>";

export const CHATML_TEMPLATE =
  "{% for message in messages %}" +
  "{{'<|im_start|>' + message['role'] + '\\n' + message['content'] + '<|im_end|>' + '\\n'}}" +
  "{% endfor %}" +
  "{% if add_generation_prompt %}{{ '<|im_start|>assistant\\n' }}{% endif %}";
