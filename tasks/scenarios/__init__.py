"""Requirements -> Gherkin: scenarios as JSON models, rendered by the project,
validated with gherkin-official against the step catalogue.

- `generate.py`: one feature per requirement group (`generate_features`,
  `draft_feature` + `draft_result` for the flow's cached tasks);
- `translate.py`: sheet rows, Postman requests and OpenAPI operations, no LLM;
- `llm.py`: prose with the LLM (catalogue in the prompt, rag context, repairs);
- `render.py` / `validate.py`: Gherkin out, problems in;
- `postman_export.py`: features -> Postman collection v2.1;
- `steps.py`: the bdd flow's Prefect tasks (generate_feature, validate_feature);
- `direct.py`: `bdd generate`, `import-postman`, `export-postman` without a flow.
"""

from tasks.scenarios.generate import FeatureDraft, draft_feature, draft_result, generate_features
from tasks.scenarios.model import (
    Feature,
    FeatureFile,
    GenerationResult,
    Scenario,
    Step,
    Ungenerated,
)
from tasks.scenarios.postman_export import export_features
from tasks.scenarios.render import render_feature
from tasks.scenarios.validate import validate_file, validate_text

__all__ = [
    "Feature",
    "FeatureDraft",
    "FeatureFile",
    "GenerationResult",
    "Scenario",
    "Step",
    "Ungenerated",
    "draft_feature",
    "draft_result",
    "export_features",
    "generate_features",
    "render_feature",
    "validate_file",
    "validate_text",
]
