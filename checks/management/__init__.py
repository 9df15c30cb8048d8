"""Management checklist: questions as data (one YAML file each), answered on site."""
