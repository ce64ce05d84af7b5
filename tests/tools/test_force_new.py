"""``tools.force_new``: which attributes of a Terraform schema it reads as replacing, under which engine names."""

from __future__ import annotations

import json

from planner.diff import FORCE_NEW_TABLE
from tools.force_new import SOURCES, camel, force_new_paths, name_constants

SDK_V2 = '''
func resourceExample() *schema.Resource {
	return &schema.Resource{
		Schema: map[string]*schema.Schema{
			"pod_cidr": {
				Type:     schema.TypeString,
				ForceNew: true,
			},
			"pod_vswitch_ids": {
				Type: schema.TypeList,
				Elem: &schema.Schema{Type: schema.TypeString, ValidateFunc: StringMatch(regexp.MustCompile(`^vsw-{1}$`), "{")},
			},
			"access_mode": {
				Type: schema.TypeList,
				Elem: &schema.Resource{
					Schema: map[string]*schema.Schema{
						"mode_value": {
							Type:         schema.TypeString,
							ForceNew:     true, // a comment {
							ValidateFunc: StringInSlice([]string{"route", "tunnel"}, false),
						},
						"label": {Type: schema.TypeString},
					},
				},
			},
			names.AttrVPCID: {
				Type:     schema.TypeString,
				ForceNew: true,
			},
			"tags": tagsSchema(),
		},
	}
}
'''

FRAMEWORK = '''
func (r *exampleResource) Schema(ctx context.Context, req resource.SchemaRequest, resp *resource.SchemaResponse) {
	resp.Schema = schema.Schema{
		Attributes: map[string]schema.Attribute{
			"cluster_name": schema.StringAttribute{
				Required: true,
				PlanModifiers: []planmodifier.String{
					stringplanmodifier.RequiresReplace(),
				},
			},
			"description": schema.StringAttribute{
				Optional: true,
			},
		},
	}
}
'''


def test_sdk_v2_force_new_attributes_nested_blocks_and_name_constants():
    constants = name_constants('const (\n\tAttrVPCID = "vpc_id"\n\tAttrName = "name"\n)')
    assert force_new_paths(SDK_V2, constants) == ["accessMode.modeValue", "podCidr", "vpcId"]


def test_framework_requires_replace():
    assert force_new_paths(FRAMEWORK) == ["clusterName"]


def test_camel_case_is_the_engines():
    assert [camel(n) for n in ("pod_vswitch_ids", "source_vswitch_id", "name", "ipv6_cidr_block")] == [
        "podVswitchIds", "sourceVswitchId", "name", "ipv6CidrBlock"]


def test_committed_table_names_its_source_and_only_known_types():
    table = json.loads(FORCE_NEW_TABLE.read_text())
    known = {t for types in SOURCES.values() for t in types}
    assert set(table) <= known
    assert all(entry["source"] and entry["replaces"] == sorted(entry["replaces"]) for entry in table.values())
    alicloud = {t: e for t, e in table.items() if t.startswith("alicloud:")}
    assert set(alicloud) == set(SOURCES["alicloud"])
    assert all("aliyun/terraform-provider-alicloud@v1.289.0" in e["source"] for e in alicloud.values())
